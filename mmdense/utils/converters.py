"""Model converters.

**Exports**: the transfer weights of an mmdense pre-training checkpoint
(see :func:`mmdense.utils.transfer.extract_transfer_weights`) in one of
three formats, after checking that nothing was lost on the way:

* ``'mm'``: ``{'state_dict': {backbone.*, neck.* | decode_head.convs.*},
  'meta': {...}}``, plain tensors, for mmdet / mmseg;
* ``'detectron2'``: a pickle ``{'model': {name: numpy array}, '__author__':
  'mmdense', 'matching_heuristics': True}`` with detectron2's ResNet names
  (``stem.conv1.weight``, ``res2.0.conv1.norm.running_mean``,
  ``res2.0.shortcut.weight`` ...) and, for an FPN decoder, detectron2's FPN
  names (``fpn_lateral2..5``, ``fpn_output2..5``, ``.norm.*``);
* ``'torchvision'``: a ``torchvision.models.resnetN().state_dict()`` without
  ``fc.*`` (the backbone only).

Every backbone key must be converted (only ``num_batches_tracked`` is
dropped, and only where the target has no such buffer) and the result must
be exactly the target's key set with the reference shapes; otherwise a
:class:`ConversionError` lists the source keys that were not mapped and the
target keys that are missing.  Nothing is written then.

**Imports**: officially released DenseCL, MoCo v1/v2, SlotCon and DeCon
checkpoints become mmdense-style checkpoints (``backbone.*``,
``teacher_backbone.*``, ``neck.*`` / ``decode_head.*``, ``teacher_decoder.*``
and ``meta['transfer']`` as :class:`~mmdense.engine.TransferMetaHook` writes
it), which the exporters take.  External files are loaded weights-only;
``trust=True`` unpickles them in full (e.g. SlotCon / DeCon full checkpoints
store an ``argparse.Namespace`` under ``'args'``).  The layouts assumed are
documented in ``docs/tools.md`` ("Model converters").
"""
import os
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from .checkpoint import CheckpointError
from .checkpoint import atomic_write as _atomic_write
from .checkpoint import load_checkpoint_file, save_checkpoint_file
from .transfer import extract_transfer_weights

FORMATS = ('mm', 'detectron2', 'torchvision')
METHODS = ('densecl', 'mocov1', 'mocov2', 'slotcon', 'decon')
# which weights each method transfers by default (the authors' converters:
# DenseCL / MoCo take the query encoder, SlotCon / DeCon the teacher)
DEFAULT_SOURCE = dict(densecl='student', mocov1='student', mocov2='student',
                      slotcon='teacher', decon='teacher')

BN_STATS = ('weight', 'bias', 'running_mean', 'running_var')
NBT = 'num_batches_tracked'
# (block type, blocks per stage) -> depth of the standard ResNets
RESNET_DEPTHS = {
    ('basic', (2, 2, 2, 2)): 18,
    ('basic', (3, 4, 6, 3)): 34,
    ('bottleneck', (3, 4, 6, 3)): 50,
    ('bottleneck', (3, 4, 23, 3)): 101,
    ('bottleneck', (3, 8, 36, 3)): 152,
}


class ConversionError(ValueError):
    """A conversion that would lose, invent or misplace weights."""


def _diff(title: str, keys, limit: int = 20) -> str:
    keys = sorted(keys)
    more = f' ... (+{len(keys) - limit} more)' if len(keys) > limit else ''
    return f'\n  {title} ({len(keys)}): {keys[:limit]}{more}'


def _sub(state: Dict[str, torch.Tensor], prefix: str) -> 'OrderedDict':
    return OrderedDict((k[len(prefix):], v) for k, v in state.items()
                       if k.startswith(prefix))


# ------------------------------------------------------------------ ResNet
def resnet_layout(weights: Dict[str, torch.Tensor]) -> dict:
    """Stem, block type, blocks per stage and depth of ResNet weights named
    as in torchvision / mmpretrain (no prefix)."""
    blocks: Dict[int, set] = {}
    for k in weights:
        m = re.match(r'layer(\d+)\.(\d+)\.', k)
        if m:
            blocks.setdefault(int(m[1]), set()).add(int(m[2]))
    if 'conv1.weight' in weights:
        stem = 'plain'
    elif any(k.startswith('stem.') for k in weights):
        stem = 'deep'
    else:
        stem = None
    if stem is None or sorted(blocks) != [1, 2, 3, 4]:
        return dict(stem=stem, block=None, stage_blocks=None, depth=None)
    stage_blocks = tuple(max(blocks[s]) + 1 for s in (1, 2, 3, 4))
    block = 'bottleneck' if any(
        re.match(r'layer\d+\.\d+\.conv3\.', k) for k in weights) else 'basic'
    return dict(stem=stem, block=block, stage_blocks=stage_blocks,
                depth=RESNET_DEPTHS.get((block, stage_blocks)),
                avg_down=any('.downsample.2.' in k for k in weights))


def resnet_reference(layout: dict) -> Dict[str, torch.Size]:
    """Key -> shape of the reference ResNet: torchvision's ``resnetN``
    without ``fc`` for a plain stem, mmpretrain's ``ResNetV1c`` /
    ``ResNetV1d`` for a deep stem."""
    depth = layout['depth']
    if layout['stem'] == 'plain':
        import torchvision
        with torch.device('meta'):  # shapes only, no memory, no init
            model = getattr(torchvision.models, f'resnet{depth}')()
        return OrderedDict((k, v.shape) for k, v in model.state_dict().items()
                           if not k.startswith('fc.'))
    from mmpretrain.models import ResNetV1c, ResNetV1d
    cls = ResNetV1d if layout.get('avg_down') else ResNetV1c
    return OrderedDict(
        (k, v.shape) for k, v in cls(depth=depth).state_dict().items())


def check_resnet(weights: Dict[str, torch.Tensor],
                 what: str = 'backbone',
                 prefix: str = '',
                 fmt: Optional[str] = None) -> dict:
    """Raise :class:`ConversionError` unless ``weights`` (no prefix) are a
    complete standard ResNet: the reference keys, all of them, with the
    reference shapes.  ``prefix`` only decorates the names in messages;
    ``fmt`` (``'torchvision'`` / ``'detectron2'``) requires a plain stem,
    names the missing keys in that format too, and for detectron2 does not
    require ``num_batches_tracked`` (FrozenBN has none)."""
    plain_stem = fmt in ('torchvision', 'detectron2')
    layout = resnet_layout(weights)
    if layout['depth'] is None:
        keys = sorted(weights)
        raise ConversionError(
            f'{what}: not a standard ResNet (stem {layout["stem"]}, '
            f'{layout["block"]} blocks {layout["stage_blocks"]}); the '
            'converters know ResNet-18/34/50/101/152 with torchvision / '
            f'mmpretrain key names. First keys: {keys[:6]}')
    if plain_stem and layout['stem'] != 'plain':
        raise ConversionError(
            f'{what}: a deep-stem ResNet (mmpretrain ResNetV1c/V1d: '
            f'{prefix}stem.*) has no torchvision / detectron2 counterpart; '
            'export it with --format mm')
    reference = resnet_reference(layout)
    missing = [k for k in reference if k not in weights
               and not (fmt == 'detectron2' and k.endswith('.' + NBT))]
    target = ''
    if fmt == 'torchvision':
        target = _diff('    = torchvision keys missing', missing)
    elif fmt == 'detectron2':
        target = _diff('    = detectron2 keys missing',
                       [tv_to_detectron2_key(k) for k in missing])
    missing = [prefix + k for k in missing]
    unexpected = [prefix + k for k in weights if k not in reference]
    shapes = [
        f'{prefix}{k}: {tuple(weights[k].shape)} != {tuple(s)}'
        for k, s in reference.items()
        if k in weights and tuple(weights[k].shape) != tuple(s)
    ]
    if missing or unexpected or shapes:
        raise ConversionError(
            f'{what} is not a complete ResNet-{layout["depth"]}, refusing a '
            'partial conversion (nothing written):' +
            (_diff('reference keys missing from the checkpoint', missing) +
             target if missing else '') +
            (_diff('checkpoint keys not mapped (no place in the reference)',
                   unexpected) if unexpected else '') +
            (_diff('shapes different from the reference', shapes)
             if shapes else ''))
    return layout


def detectron2_resnet_keys(stage_blocks: Sequence[int],
                           block: str = 'bottleneck') -> List[str]:
    """The parameter / buffer names of detectron2's ``ResNet`` (FrozenBN:
    no ``num_batches_tracked``), stem and res2-res5."""
    norm = [f'norm.{p}' for p in BN_STATS]
    keys = ['stem.conv1.weight'] + [f'stem.conv1.{n}' for n in norm]
    convs = 3 if block == 'bottleneck' else 2
    for stage, num in enumerate(stage_blocks):
        for b in range(num):
            base = f'res{stage + 2}.{b}'
            for c in range(1, convs + 1):
                keys += [f'{base}.conv{c}.weight'] + [
                    f'{base}.conv{c}.{n}' for n in norm]
            if b == 0 and (stage > 0 or block == 'bottleneck'):
                keys += [f'{base}.shortcut.weight'] + [
                    f'{base}.shortcut.{n}' for n in norm]
    return keys


_STATS = '(weight|bias|running_mean|running_var)'
_TV_TO_D2 = [
    (r'conv1\.weight', lambda m: 'stem.conv1.weight'),
    (r'bn1\.' + _STATS, lambda m: f'stem.conv1.norm.{m[1]}'),
    (r'layer(\d)\.(\d+)\.conv(\d)\.weight',
     lambda m: f'res{int(m[1]) + 1}.{m[2]}.conv{m[3]}.weight'),
    (r'layer(\d)\.(\d+)\.bn(\d)\.' + _STATS,
     lambda m: f'res{int(m[1]) + 1}.{m[2]}.conv{m[3]}.norm.{m[4]}'),
    (r'layer(\d)\.(\d+)\.downsample\.0\.weight',
     lambda m: f'res{int(m[1]) + 1}.{m[2]}.shortcut.weight'),
    (r'layer(\d)\.(\d+)\.downsample\.1\.' + _STATS,
     lambda m: f'res{int(m[1]) + 1}.{m[2]}.shortcut.norm.{m[3]}'),
]
# BatchNorm layers whose counter has no place in detectron2 (FrozenBN)
_TV_BN = r'(bn1|layer\d\.\d+\.bn\d|layer\d\.\d+\.downsample\.1)'

_DROP = object()


def _rename(key: str, rules, drop: Optional[str] = None):
    """The new name of ``key`` by the first matching rule, ``_DROP`` for a
    key that the target has no place for by design, ``None`` if unmapped."""
    for pattern, new in rules:
        m = re.fullmatch(pattern, key)
        if m:
            return new(m)
    if drop is not None and re.fullmatch(drop, key):
        return _DROP
    return None


def tv_to_detectron2_key(key: str):
    """torchvision / mmpretrain ResNet name -> detectron2 name (``None``:
    unmapped; ``_DROP``: a BN counter detectron2 has no buffer for)."""
    return _rename(key, _TV_TO_D2, drop=_TV_BN + r'\.' + NBT)


# --------------------------------------------------------------------- FPN
def _fpn_norm_kind(keys, module: str) -> str:
    """'bn', 'gn' or 'none': the norm of an mmdet FPN ConvModule."""
    if any(k.startswith(module + '.bn.') for k in keys):
        return 'bn'
    if any(k.startswith(module + '.gn.') for k in keys):
        return 'gn'
    return 'none'


def mm_fpn_keys(num_levels: int, norm: str) -> List[str]:
    """mmdet ``FPN`` keys (no prefix) of ``num_levels`` lateral / output
    ConvModules, no extra convs."""
    keys = []
    for i in range(num_levels):
        for mod in ('lateral_convs', 'fpn_convs'):
            keys.append(f'{mod}.{i}.conv.weight')
            if norm == 'none':
                keys.append(f'{mod}.{i}.conv.bias')
            elif norm == 'gn':
                keys += [f'{mod}.{i}.gn.weight', f'{mod}.{i}.gn.bias']
            else:
                keys += [f'{mod}.{i}.bn.{p}' for p in BN_STATS + (NBT, )]
    return keys


def detectron2_fpn_keys(num_levels: int, norm: str) -> List[str]:
    """detectron2 ``FPN`` keys (no prefix) for res2.. of ``num_levels``
    levels: ``fpn_lateral{2..}``, ``fpn_output{2..}``."""
    keys = []
    for s in range(2, 2 + num_levels):
        for mod in ('fpn_lateral', 'fpn_output'):
            keys.append(f'{mod}{s}.weight')
            if norm == 'none':
                keys.append(f'{mod}{s}.bias')
            elif norm == 'gn':
                keys += [f'{mod}{s}.norm.weight', f'{mod}{s}.norm.bias']
            else:
                keys += [f'{mod}{s}.norm.{p}' for p in BN_STATS]
    return keys


_D2_MOD = {'lateral_convs': 'fpn_lateral', 'fpn_convs': 'fpn_output'}
_MM_MOD = {v: k for k, v in _D2_MOD.items()}


def mm_to_detectron2_fpn_key(key: str, num_levels: int):
    """mmdet FPN name -> detectron2 FPN name (``None``: unmapped, e.g. an
    extra conv for P6; ``_DROP``: a BN counter)."""
    m = re.fullmatch(r'(lateral_convs|fpn_convs)\.(\d+)\.(.+)', key)
    if not m or int(m[2]) >= num_levels:
        return None
    mod, level, rest = _D2_MOD[m[1]], int(m[2]) + 2, m[3]
    m2 = re.fullmatch(r'conv\.(weight|bias)', rest)
    if m2:
        return f'{mod}{level}.{m2[1]}'
    m2 = re.fullmatch(r'(bn|gn)\.' + _STATS, rest)
    if m2:
        return f'{mod}{level}.norm.{m2[2]}'
    if rest == f'bn.{NBT}':
        return _DROP
    return None


def detectron2_to_mm_fpn(weights: Dict[str, torch.Tensor],
                         what: str = 'decoder') -> 'OrderedDict':
    """detectron2 FPN weights (``fpn_lateral2.weight``,
    ``fpn_output2.norm.running_mean`` ...) -> mmdet FPN names; a norm with
    running statistics becomes ``bn``, one without ``gn``."""
    out, unmapped = OrderedDict(), []
    for k, v in weights.items():
        m = re.fullmatch(r'fpn_(lateral|output)(\d+)\.(.+)', k)
        if not m or int(m[2]) < 2:
            unmapped.append(k)
            continue
        mod = _MM_MOD['fpn_' + m[1]]
        base = f'{mod}.{int(m[2]) - 2}'
        rest = m[3]
        if rest in ('weight', 'bias'):
            out[f'{base}.conv.{rest}'] = v
            continue
        m2 = re.fullmatch(r'norm\.(weight|bias|running_mean|running_var|'
                          r'num_batches_tracked)', rest)
        if not m2:
            unmapped.append(k)
            continue
        stats = f'fpn_{m[1]}{m[2]}.norm.running_mean' in weights
        out[f'{base}.{"bn" if stats else "gn"}.{m2[1]}'] = v
    if unmapped:
        raise ConversionError(
            f'{what}: detectron2 FPN keys with no mmdet FPN counterpart' +
            _diff('not mapped', unmapped))
    return out


def _fpn_levels(keys) -> int:
    levels = {int(m[1]) for k in keys
              for m in [re.match(r'lateral_convs\.(\d+)\.', k)] if m}
    return max(levels) + 1 if levels else 0


def _fcn_expected(keys) -> List[str]:
    idx = {int(m[1]) for k in keys
           for m in [re.match(r'convs\.(\d+)\.', k)] if m}
    expected = []
    for i in range(max(idx) + 1 if idx else 0):
        expected.append(f'convs.{i}.conv.weight')
        norm = _fpn_norm_kind(keys, f'convs.{i}')
        if norm == 'none':
            expected.append(f'convs.{i}.conv.bias')
        elif norm == 'gn':
            expected += [f'convs.{i}.gn.weight', f'convs.{i}.gn.bias']
        else:
            expected += [f'convs.{i}.bn.{p}' for p in BN_STATS + (NBT, )]
    return expected


def check_decoder(group: str, weights: Dict[str, torch.Tensor]) -> dict:
    """The layout of a decoder group (``neck``: mmdet FPN, ``decode_head``:
    the FCN convs) and the keys it lacks.  Keys that fit no pattern raise
    :class:`ConversionError`; missing ones are returned (``missing``) for
    the caller to refuse or accept."""
    keys = list(weights)
    if group == 'neck' and any(k.startswith('lateral_convs.') for k in keys):
        n = _fpn_levels(keys)
        norm = _fpn_norm_kind(keys, 'lateral_convs.0')
        expected = mm_fpn_keys(n, norm)
        pattern = r'(lateral_convs|fpn_convs)\.\d+\.(conv|bn|gn)\.\w+'
        kind = dict(type='FPN', levels=n, norm=norm)
    elif group == 'decode_head' and any(k.startswith('convs.')
                                        for k in keys):
        expected = _fcn_expected(keys)
        pattern = r'convs\.\d+\.(conv|bn|gn)\.\w+'
        kind = dict(type='FCN', convs=len({k.split('.')[1] for k in keys}))
    else:
        raise ConversionError(
            f'decoder group "{group}": unknown layout (an mmdet FPN under '
            '"neck" or the FCN convs under "decode_head" are known); first '
            f'keys {sorted(keys)[:6]}. Use --no-decoder to export the '
            'backbone only.')
    unexpected = [f'{group}.{k}' for k in keys
                  if not re.fullmatch(pattern, k)
                  or (k not in expected and kind['type'] == 'FCN')]
    if unexpected:
        raise ConversionError(f'decoder "{group}": keys outside its layout' +
                              _diff('not mapped', unexpected))
    kind['missing'] = [f'{group}.{k}' for k in expected if k not in weights]
    return kind


def _stage_channels(backbone: Dict[str, torch.Tensor], layout: dict):
    conv = 'conv3' if layout['block'] == 'bottleneck' else 'conv2'
    return [backbone[f'layer{s}.{layout["stage_blocks"][s - 1] - 1}.'
                     f'{conv}.weight'].shape[0] for s in (1, 2, 3, 4)]


# ------------------------------------------------------------------ export
def _groups(weights: Dict[str, torch.Tensor]) -> Dict[str, 'OrderedDict']:
    out: Dict[str, OrderedDict] = OrderedDict()
    for k, v in weights.items():
        group = k.split('.')[0]
        out.setdefault(group, OrderedDict())[k[len(group) + 1:]] = v
    return out


def convert_transfer_weights(weights: Dict[str, torch.Tensor],
                             fmt: str = 'mm',
                             decoder: bool = True,
                             partial_decoder: bool = False,
                             what: str = 'backbone') -> Tuple[dict, dict]:
    """Downstream weights (``backbone.*``, ``neck.*``,
    ``decode_head.convs.*``) -> ``(weights in the format, report)``.

    Raises :class:`ConversionError` for a backbone that is not a complete
    standard ResNet, for keys that cannot be mapped, and for missing
    decoder keys unless ``partial_decoder``.  ``decoder=False`` leaves the
    decoder out; the torchvision format never has one.
    """
    if fmt not in FORMATS:
        raise ValueError(f'format must be one of {FORMATS}, got {fmt!r}')
    groups = _groups(weights)
    if 'backbone' not in groups:
        raise ConversionError('no backbone.* weights to export')
    backbone = groups.pop('backbone')
    report = dict(format=fmt, dropped=[], notes=[], missing_decoder=[])
    layout = check_resnet(backbone, what, 'backbone.', fmt)
    report['backbone'] = f'ResNet-{layout["depth"]}'
    if fmt == 'torchvision' or not decoder:
        if groups:
            report['notes'].append(
                f'decoder {sorted(groups)} not exported (' +
                ('the torchvision format holds the backbone only'
                 if fmt == 'torchvision' else '--no-decoder') + ')')
        groups = {}
    kinds = {}
    for group, sub in groups.items():
        kinds[group] = check_decoder(group, sub)
        missing = kinds[group]['missing']
        if missing and not partial_decoder:
            raise ConversionError(
                f'decoder "{group}" ({kinds[group]["type"]}) is incomplete, '
                'refusing a partial conversion' +
                _diff('decoder keys missing', missing) +
                '\n(--partial-decoder exports what there is; the missing '
                'layers then start from random init downstream)')
        report['missing_decoder'] += missing
    report['decoder'] = {g: {k: v for k, v in kind.items() if k != 'missing'}
                         for g, kind in kinds.items()}

    if fmt == 'mm':
        out = OrderedDict(('backbone.' + k, v) for k, v in backbone.items())
        for group, sub in groups.items():
            out.update((f'{group}.{k}', v) for k, v in sub.items())
        return out, report
    if fmt == 'torchvision':
        report['notes'].append(
            'fc.weight and fc.bias are not part of it (torchvision\'s '
            'classifier): expect exactly these two as missing keys when '
            'loading into a torchvision ResNet, or add your own fc')
        return OrderedDict(backbone), report

    # detectron2
    out, unmapped = OrderedDict(), []
    for k, v in backbone.items():
        new = tv_to_detectron2_key(k)
        if new is None:
            unmapped.append('backbone.' + k)
        elif new is _DROP:
            report['dropped'].append('backbone.' + k)
        else:
            out[new] = v
    expected = detectron2_resnet_keys(layout['stage_blocks'],
                                      layout['block'])
    for group, sub in groups.items():
        if kinds[group]['type'] != 'FPN':
            raise ConversionError(
                f'decoder "{group}" ({kinds[group]["type"]}) has no '
                'detectron2 counterpart; use --no-decoder for the backbone '
                'only (or --format mm for mmseg)')
        n, norm = kinds[group]['levels'], kinds[group]['norm']
        channels = _stage_channels(backbone, layout)
        for i in range(n):
            w = sub.get(f'lateral_convs.{i}.conv.weight')
            if w is not None and (i >= 4 or w.shape[1] != channels[i]):
                raise ConversionError(
                    f'{group}.lateral_convs.{i} takes {w.shape[1]} channels, '
                    f'res{i + 2} gives {channels[i] if i < 4 else "nothing"}: '
                    'only an FPN on res2-res5 (start_level=0) maps to '
                    'detectron2\'s fpn_lateral2..5')
        for k, v in sub.items():
            new = mm_to_detectron2_fpn_key(k, n)
            if new is None:
                unmapped.append(f'{group}.{k}')
            elif new is _DROP:
                report['dropped'].append(f'{group}.{k}')
            else:
                out[new] = v
        expected += detectron2_fpn_keys(n, norm)
    report['notes'].append(
        'detectron2 config for these torchvision-style weights: '
        'MODEL.RESNETS.STRIDE_IN_1X1 False, INPUT.FORMAT RGB, '
        'MODEL.PIXEL_MEAN [123.675, 116.28, 103.53], MODEL.PIXEL_STD '
        '[58.395, 57.12, 57.375] (as in MoCo\'s detection configs)')
    depth = layout['depth']
    if layout['block'] == 'basic':
        report['notes'].append(
            f'ResNet-{depth}: set MODEL.RESNETS.DEPTH {depth} and '
            'MODEL.RESNETS.RES2_OUT_CHANNELS 64 (detectron2 requires 64 for '
            'R18/R34; its default 256 is for bottleneck ResNets)')
    for group in groups:
        d2_norm = dict(bn='"SyncBN" (or "BN" on one GPU)', gn='"GN"',
                       none='"" (no norm)')[kinds[group]['norm']]
        report['notes'].append(
            f'DeCon FPN ({group}): set MODEL.FPN.NORM {d2_norm}, the norm it '
            'was pre-trained with; with another FPN.NORM its fpn_* keys do '
            'not match and detectron2 initialises them at random')
    missing = [k for k in expected if k not in out]
    missing_ok = set(_d2_names(report['missing_decoder']))
    expected_set = set(expected)
    unexpected = [k for k in out if k not in expected_set]
    bad_missing = [k for k in missing if k not in missing_ok]
    if unmapped or bad_missing or unexpected:
        raise ConversionError(
            'detectron2 export is incomplete:' +
            (_diff('source keys not mapped', unmapped) if unmapped else '') +
            (_diff('detectron2 keys missing', bad_missing)
             if bad_missing else '') +
            (_diff('detectron2 keys not expected', unexpected)
             if unexpected else ''))
    return out, report


def _d2_names(mm_keys):
    for key in mm_keys:
        group, rest = key.split('.', 1)
        new = mm_to_detectron2_fpn_key(rest, 10**6)
        if new not in (None, _DROP):
            yield new


def _numpy(v: torch.Tensor):
    v = v.detach().cpu()
    if v.dtype == torch.bfloat16:
        v = v.float()
    return v.numpy()


def export_weights(checkpoint,
                   out: str,
                   fmt: str = 'mm',
                   source: Optional[str] = None,
                   decoder: bool = True,
                   partial_decoder: bool = False,
                   trust: bool = False) -> dict:
    """Export the transfer weights of ``checkpoint`` (a path to an mmdense
    pre-training / imported checkpoint, or the loaded dict) to ``out`` in
    ``fmt`` (:data:`FORMATS`), atomically.  A path is loaded weights-only
    and checked (CRC, tensor digest) unless ``trust``.  Returns a report."""
    path = checkpoint if isinstance(checkpoint, str) else None
    if path:
        try:
            ckpt = load_checkpoint_file(path, trust=trust, option='--trust')
        except CheckpointError as err:
            raise ConversionError(str(err)) from None
    else:
        ckpt = checkpoint
    if not isinstance(ckpt, dict):
        raise ConversionError(f'{path} holds a bare {type(ckpt).__name__}, '
                              'not a checkpoint')
    info = ckpt.get('meta', {}).get('transfer')
    if info is None:
        raise ConversionError(
            f'{path or "the checkpoint"} has no meta["transfer"]: not an '
            'mmdense pre-training checkpoint. Official DenseCL / MoCo / '
            'SlotCon / DeCon files: convert them first with '
            'tools/model_converters/import_official.py')
    source = source or info['source']
    weights = extract_transfer_weights(ckpt, source)
    own = info[source].get('backbone.', 'backbone.')
    converted, report = convert_transfer_weights(
        weights, fmt, decoder, partial_decoder,
        what=f'backbone ({source} weights, {own}* in the checkpoint)')
    groups = sorted({k.split('.')[0] for k in converted}) \
        if fmt == 'mm' else None
    meta = dict(source=source, format=fmt, from_checkpoint=path,
                backbone=report['backbone'], decoder=report['decoder'],
                missing_decoder=report['missing_decoder'])
    if fmt == 'mm':
        meta['groups'] = groups
        save_checkpoint_file(dict(state_dict=converted, meta=meta), out)
    elif fmt == 'torchvision':
        _atomic_write(out, lambda f: torch.save(converted, f))
    else:
        obj = {'model': {k: _numpy(v) for k, v in converted.items()},
               '__author__': 'mmdense', 'matching_heuristics': True}
        _atomic_write(out, lambda f: pickle.dump(obj, f))
    report.update(source=source, num_tensors=len(converted), out=out,
                  groups=groups or sorted({'backbone', *report['decoder']}))
    return report


# ------------------------------------------------------------------ import
def load_external_checkpoint(path: str, trust: bool = False):
    """``torch.load`` a file that does not come from an mmdense run:
    weights-only, unless ``trust`` (full unpickling: only for files from a
    source you trust, it can run arbitrary code)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint "{path}" not found')
    if _is_detectron2_pickle(path):
        raise ConversionError(
            f'{path} is a detectron2 checkpoint (a plain pickle of numpy '
            'arrays), not an official PyTorch release: detectron2 takes it as '
            f'it is (MODEL.WEIGHTS {path}). import_official.py reads the '
            "authors' PyTorch checkpoints (.pth/.pth.tar); convert the "
            'release this .pkl was made from instead.')
    try:
        obj = load_checkpoint_file(path, trust=trust, option='--trust')
    except CheckpointError as err:
        msg = str(err)
        if 'written by stock mmengine' in msg:
            msg += (' If it is an mmdense pre-training checkpoint, it needs '
                    f'no import: export it with tools/model_converters/'
                    f'export_weights.py {path} OUT; import_official.py is '
                    "for the authors' official releases.")
        elif 'argparse.Namespace' in msg:
            msg += (' (Official SlotCon / DeCon full checkpoints keep their '
                    'argparse.Namespace under "args".)')
        raise ConversionError(msg) from None
    from mmdense.engine.pretrained import needs_export
    if needs_export(obj):
        raise ConversionError(
            f'{path} is already an mmdense checkpoint (it has '
            'meta["transfer"]): it needs no import, export it with '
            f'tools/model_converters/export_weights.py {path} OUT; '
            "import_official.py is for the authors' official releases.")
    return obj


def _is_detectron2_pickle(path: str) -> bool:
    """A raw pickle (not torch's zip format) whose globals are numpy's: the
    detectron2 ``.pkl`` format.  Read with ``pickletools`` (the opcodes are
    listed, nothing is unpickled or run)."""
    import pickletools
    import zipfile
    if zipfile.is_zipfile(path):
        return False
    with open(path, 'rb') as f:
        if f.read(1) != b'\x80':  # pickle protocol >= 2
            return False
        f.seek(0)
        try:
            names = {str(arg) for op, arg, _ in pickletools.genops(f)
                     if op.name in ('GLOBAL', 'SHORT_BINUNICODE',
                                    'BINUNICODE')}
        except Exception:
            return False
    return any(n.startswith('numpy') for n in names) and not any(
        n.startswith('torch') for n in names)


def _tensors(d) -> 'OrderedDict':
    return OrderedDict((k, v) for k, v in d.items()
                       if isinstance(v, torch.Tensor))


def _find_state(obj) -> Tuple['OrderedDict', str]:
    if not isinstance(obj, dict):
        raise ConversionError(f'not a checkpoint dict: {type(obj).__name__}')
    for key in ('model', 'state_dict'):
        if isinstance(obj.get(key), dict) and _tensors(obj[key]):
            return _tensors(obj[key]), key
    if _tensors(obj):
        return _tensors(obj), '(top level)'
    raise ConversionError('no tensors found under "model", "state_dict" or '
                          f'at the top level; keys: {sorted(obj)[:10]}')


def _has(keys, prefix):
    return any(k.startswith(prefix) for k in keys)


def detect_official_layout(obj: dict) -> dict:
    """Which official layout ``obj`` (a loaded checkpoint) has: the prefixes
    of the student / teacher encoders and decoders, and the method guessed
    from the keys (``None`` when the keys cannot tell)."""
    if isinstance(obj, dict) and isinstance(obj.get('meta'), dict) and \
            'transfer' in obj['meta']:
        raise ConversionError(
            'this is already an mmdense checkpoint (meta["transfer"]); '
            'export it with tools/model_converters/export_weights.py')
    state, container = _find_state(obj)
    strip = ''
    if all(k.startswith('module.') for k in state):
        strip = 'module.'  # DistributedDataParallel
        state = OrderedDict((k[len(strip):], v) for k, v in state.items())
    keys = list(state)
    L = dict(container=container, stripped=strip, state=state)
    if _has(keys, 'encoder_q.0.'):
        # OpenSelfSup / DenseCL code: encoder_q = Sequential(backbone, neck)
        L.update(layout='openselfsup', student='encoder_q.0.',
                 teacher='encoder_k.0.' if _has(keys, 'encoder_k.0.') else
                 None)
        if 'queue2' in keys:
            guess = 'densecl'
        elif _has(keys, 'encoder_q.1.mlp.'):
            guess = 'mocov2'
        elif _has(keys, 'encoder_q.1.fc.'):
            guess = 'mocov1'
        else:
            guess = None
    elif _has(keys, 'encoder_q.') or _has(keys, 'encoder_k.'):
        # MoCo (module.encoder_q / encoder_k, torchvision ResNets with fc),
        # SlotCon / DeCon (encoder_q / encoder_k, decoder_q / decoder_k)
        L.update(layout='encoder_q/encoder_k',
                 student='encoder_q.' if _has(keys, 'encoder_q.') else None,
                 teacher='encoder_k.' if _has(keys, 'encoder_k.') else None,
                 student_decoder='decoder_q.' if _has(keys, 'decoder_q.')
                 else None,
                 teacher_decoder='decoder_k.' if _has(keys, 'decoder_k.')
                 else None)
        if _has(keys, 'decoder_q.') or _has(keys, 'decoder_k.'):
            guess = 'decon'
        elif _has(keys, 'projector_') or _has(keys, 'grouping_'):
            guess = 'slotcon'
        elif _has(keys, 'encoder_q.fc.0.') or _has(keys, 'encoder_q.fc.2.'):
            guess = 'mocov2'
        elif 'encoder_q.fc.weight' in keys:
            guess = 'mocov1'
        else:
            guess = None
    elif _has(keys, 'backbone.'):
        # OpenSelfSup-style extracted weights with a prefix, mmpretrain
        # (momentum_encoder.module.0 = the teacher backbone), DeCon's
        # DenseCL-based code (backbone + decoder)
        teacher = next((p for p in ('momentum_encoder.module.0.',
                                    'momentum_encoder.module.backbone.')
                        if _has(keys, p)), None)
        L.update(layout='backbone', student='backbone.', teacher=teacher,
                 student_decoder='decoder.' if _has(keys, 'decoder.')
                 else None)
        if _has(keys, 'decoder.'):
            guess = 'decon'
        elif 'queue2' in keys:
            guess = 'densecl'
        else:
            guess = None
    elif 'conv1.weight' in keys and _has(keys, 'layer1.'):
        # backbone-only releases: DenseCL's extract_backbone_weights.py
        # ({'state_dict': ..., 'author': 'DenseCL'}), SlotCon's
        # "backbone only" / convert_pretrain_to_mm.py, torchvision files
        L.update(layout='bare', bare='')
        guess = 'densecl' if obj.get('author') == 'DenseCL' else None
    else:
        raise ConversionError(
            'unknown checkpoint layout (known: DenseCL/OpenSelfSup '
            'encoder_q.0.*, MoCo/SlotCon/DeCon [module.]encoder_q.* / '
            'encoder_k.* [/ decoder_k.*], backbone.* [/ decoder.*], bare '
            f'torchvision ResNet names); first keys {keys[:8]}')
    L['guess'] = guess
    return L


def _encoder(state, prefix: str, notes: list, what: str) -> 'OrderedDict':
    enc = _sub(state, prefix)
    fc = [k for k in enc if k.startswith('fc.')]
    if fc:
        notes.append(f'{what}: {len(fc)} fc.* tensors dropped (projection '
                     'head / classifier, not part of the backbone)')
        enc = OrderedDict((k, v) for k, v in enc.items()
                          if not k.startswith('fc.'))
    check_resnet(enc, what, prefix)
    return enc


def _decoder(state, prefix: str, notes: list,
             what: str) -> Tuple[str, 'OrderedDict']:
    dec = _sub(state, prefix)
    if any(k.startswith('fpn_') for k in dec):
        group, dec = 'neck', detectron2_to_mm_fpn(dec, what)
    elif any(k.startswith('lateral_convs.') for k in dec):
        group = 'neck'
    elif any(k.startswith('convs.') for k in dec):
        group = 'decode_head'
    else:
        raise ConversionError(
            f'{what} ({prefix}*): neither a detectron2 / mmdet FPN nor FCN '
            f'convs; first keys {sorted(dec)[:6]}')
    kind = check_decoder(group, dec)
    if kind['missing']:
        notes.append(
            f'{what} ({kind["type"]}) is incomplete: {len(kind["missing"])} '
            f'keys missing, e.g. {kind["missing"][:4]} (DeCon\'s single-'
            'level FPN keeps only fpn_output2); export with '
            '--partial-decoder')
    return group, dec


def import_official(obj,
                    method: Optional[str] = None,
                    source: Optional[str] = None,
                    origin: Optional[str] = None) -> dict:
    """An official checkpoint (loaded dict) -> an mmdense-style checkpoint
    ``{'state_dict': ..., 'meta': {'transfer': ..., 'imported': ...}}``."""
    if method is not None and method not in METHODS:
        raise ValueError(f'method must be one of {METHODS}, got {method!r}')
    L = detect_official_layout(obj)
    state, notes = L['state'], []
    if method is None:
        if L['guess'] is None:
            raise ConversionError(
                f'cannot tell the method from the keys (layout '
                f'{L["layout"]}); pass --method {{{",".join(METHODS)}}}')
        method = L['guess']
    elif L['guess'] is not None and L['guess'] != method:
        notes.append(f'--method {method}, but the keys look like '
                     f'{L["guess"]}')
    out = OrderedDict()
    prefixes: Dict[str, Dict[str, str]] = {}
    mapping = []  # (weights, file prefix, our prefix, tensors)
    if L['layout'] == 'bare':
        # one set of weights, the one the authors released: the method's
        # default (DenseCL / MoCo: query encoder, SlotCon / DeCon: teacher)
        src = DEFAULT_SOURCE[method]
        own = 'backbone.' if src == 'student' else 'teacher_backbone.'
        enc = _encoder(state, '', notes, 'backbone')
        out.update((own + k, v) for k, v in enc.items())
        prefixes[src] = {'backbone.': own}
        mapping.append((src, L['stripped'], own, len(enc)))
        notes.append(f'backbone-only file: taken as the {src} weights '
                     f'(what the {method} authors release)')
    else:
        for src, own in (('student', 'backbone.'),
                         ('teacher', 'teacher_backbone.')):
            if L.get(src) is None:
                continue
            enc = _encoder(state, L[src], notes, f'{src} encoder')
            out.update((own + k, v) for k, v in enc.items())
            prefixes[src] = {'backbone.': own}
            mapping.append((src, L['stripped'] + L[src], own, len(enc)))
        for src in ('student', 'teacher'):
            prefix = L.get(f'{src}_decoder')
            if prefix is None or src not in prefixes:
                continue
            group, dec = _decoder(state, prefix, notes, f'{src} decoder')
            own = f'{group}.' if src == 'student' else 'teacher_decoder.'
            out.update((own + k, v) for k, v in dec.items())
            prefixes[src][f'{group}.'] = own
            mapping.append((src, L['stripped'] + prefix, own, len(dec)))
        if L['layout'] == 'openselfsup' and _has(state, 'backbone.'):
            # OpenSelfSup registers encoder_q[0] again as `backbone`
            same = all(torch.equal(v, state['encoder_q.0.' + k])
                       for k, v in _sub(state, 'backbone.').items()
                       if 'encoder_q.0.' + k in state)
            if not same:
                notes.append('backbone.* differs from encoder_q.0.*; '
                             'encoder_q.0.* was taken')
    if not prefixes:
        raise ConversionError('no encoder weights found')
    default = DEFAULT_SOURCE[method]
    if method == 'decon' and 'teacher' not in prefixes:
        default = 'student'  # DeCon on DenseCL transfers the student
    if source is None:
        source = default if default in prefixes else next(iter(prefixes))
        if source != default:
            notes.append(f'{default} weights not in the file: the '
                         f'{source} weights are the default')
    elif source not in prefixes:
        raise ConversionError(f'source {source!r} not in the file; it has '
                              f'{sorted(prefixes)}')
    imported = dict(method=method, layout=L['layout'],
                    container=L['container'], stripped=L['stripped'],
                    source_prefixes={s: L.get(s) for s in ('student',
                                                            'teacher')},
                    mapping=mapping, notes=notes, from_checkpoint=origin)
    transfer = dict(source=source, **prefixes)
    return dict(state_dict=out, meta=dict(transfer=transfer,
                                          imported=imported))


def import_official_file(src: str,
                         out: str,
                         method: Optional[str] = None,
                         source: Optional[str] = None,
                         trust: bool = False) -> dict:
    """Load ``src`` (weights-only unless ``trust``), import it, write the
    mmdense-style checkpoint to ``out`` atomically; return its meta."""
    obj = load_external_checkpoint(src, trust)
    ckpt = import_official(obj, method, source, origin=src)
    save_checkpoint_file(ckpt, out)
    meta = ckpt['meta']
    return dict(meta['imported'], transfer=meta['transfer'],
                num_tensors=len(ckpt['state_dict']), out=out)
