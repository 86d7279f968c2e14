"""Key maps of the architectures the converters know: the standard ResNets
(torchvision / mmpretrain names, their reference shapes, detectron2's
names) and the decoders (mmdet FPN, the FCN convs, detectron2's FPN).

The checks raise :class:`ConversionError` when weights do not fit a layout
key for key."""
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import torch

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
    return dict(
        stem=stem,
        block=block,
        stage_blocks=stage_blocks,
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
    missing = [
        k for k in reference if k not in weights
        and not (fmt == 'detectron2' and k.endswith('.' + NBT))
    ]
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
            (_diff('shapes different from the reference', shapes
                   ) if shapes else ''))
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
                keys += [f'{base}.conv{c}.weight'
                         ] + [f'{base}.conv{c}.{n}' for n in norm]
            if b == 0 and (stage > 0 or block == 'bottleneck'):
                keys += [f'{base}.shortcut.weight'
                         ] + [f'{base}.shortcut.{n}' for n in norm]
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


def conv_module_keys(module: str, norm: str) -> List[str]:
    """The keys of an mmcv ``ConvModule`` at ``module``: its conv weight,
    then the conv bias (``norm='none'``), the GroupNorm's affine (``'gn'``)
    or the BatchNorm's statistics and counter (any other)."""
    keys = [f'{module}.conv.weight']
    if norm == 'none':
        return keys + [f'{module}.conv.bias']
    if norm == 'gn':
        return keys + [f'{module}.gn.weight', f'{module}.gn.bias']
    return keys + [f'{module}.bn.{p}' for p in BN_STATS + (NBT, )]


def fpn_keys(num_levels: int, norm: str, style: str = 'mm') -> List[str]:
    """FPN keys (no prefix) of ``num_levels`` lateral / output ConvModules,
    no extra convs: mmdet ``FPN`` keys (``style='mm'``) or, renamed by
    :func:`mm_to_detectron2_fpn_key`, detectron2 ``FPN`` keys for res2..
    (``style='detectron2'``: ``fpn_lateral{2..}``, ``fpn_output{2..}``,
    no BN counter)."""
    if style not in ('mm', 'detectron2'):
        raise ValueError(f"style must be 'mm' or 'detectron2', got {style!r}")
    keys = [
        k for i in range(num_levels) for mod in ('lateral_convs', 'fpn_convs')
        for k in conv_module_keys(f'{mod}.{i}', norm)
    ]
    if style == 'mm':
        return keys
    d2 = (mm_to_detectron2_fpn_key(k, num_levels) for k in keys)
    return [k for k in d2 if k is not _DROP]


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
        m2 = re.fullmatch(
            r'norm\.(weight|bias|running_mean|running_var|'
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
    levels = {
        int(m[1])
        for k in keys
        for m in [re.match(r'lateral_convs\.(\d+)\.', k)] if m
    }
    return max(levels) + 1 if levels else 0


def _fcn_expected(keys) -> List[str]:
    idx = {
        int(m[1])
        for k in keys
        for m in [re.match(r'convs\.(\d+)\.', k)] if m
    }
    return [
        k for i in range(max(idx) + 1 if idx else 0) for k in conv_module_keys(
            f'convs.{i}', _fpn_norm_kind(keys, f'convs.{i}'))
    ]


def check_decoder(group: str, weights: Dict[str, torch.Tensor]) -> dict:
    """The layout of a decoder group (``neck``: mmdet FPN, ``decode_head``:
    the FCN convs) and the keys it lacks.  Keys that fit no pattern raise
    :class:`ConversionError`; missing ones are returned (``missing``) for
    the caller to refuse or accept."""
    keys = list(weights)
    if group == 'neck' and any(k.startswith('lateral_convs.') for k in keys):
        n = _fpn_levels(keys)
        norm = _fpn_norm_kind(keys, 'lateral_convs.0')
        expected = fpn_keys(n, norm)
        pattern = r'(lateral_convs|fpn_convs)\.\d+\.(conv|bn|gn)\.\w+'
        kind = dict(type='FPN', levels=n, norm=norm)
    elif group == 'decode_head' and any(k.startswith('convs.') for k in keys):
        expected = _fcn_expected(keys)
        pattern = r'convs\.\d+\.(conv|bn|gn)\.\w+'
        kind = dict(type='FCN', convs=len({k.split('.')[1] for k in keys}))
    else:
        raise ConversionError(
            f'decoder group "{group}": unknown layout (an mmdet FPN under '
            '"neck" or the FCN convs under "decode_head" are known); first '
            f'keys {sorted(keys)[:6]}. Use --no-decoder to export the '
            'backbone only.')
    unexpected = [
        f'{group}.{k}' for k in keys if not re.fullmatch(pattern, k) or (
            k not in expected and kind['type'] == 'FCN')
    ]
    if unexpected:
        raise ConversionError(f'decoder "{group}": keys outside its layout' +
                              _diff('not mapped', unexpected))
    kind['missing'] = [f'{group}.{k}' for k in expected if k not in weights]
    return kind


def _stage_channels(backbone: Dict[str, torch.Tensor], layout: dict):
    conv = 'conv3' if layout['block'] == 'bottleneck' else 'conv2'
    return [
        backbone[f'layer{s}.{layout["stage_blocks"][s - 1] - 1}.'
                 f'{conv}.weight'].shape[0] for s in (1, 2, 3, 4)
    ]
