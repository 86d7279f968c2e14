"""Pre-training checkpoint -> the plain weights that fine-tuning loads.

:func:`extract_transfer_weights` renames the weights that transfer to the
downstream keys.  :func:`export_weights` writes them in one of three
formats, after checking that nothing was lost on the way:

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
:class:`~mmdense.weights.keymaps.ConversionError` lists the source keys
that were not mapped and the target keys that are missing.  Nothing is
written then.
"""
import pickle
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch

from mmdense.utils.checkpoint import CheckpointError
from mmdense.utils.checkpoint import atomic_write as _atomic_write
from mmdense.utils.checkpoint import load_checkpoint_file, save_checkpoint_file
from .keymaps import (_DROP, ConversionError, _diff, _stage_channels,
                      check_decoder, check_resnet, detectron2_resnet_keys,
                      fpn_keys, mm_to_detectron2_fpn_key, tv_to_detectron2_key)

FORMATS = ('mm', 'detectron2', 'torchvision')


def extract_transfer_weights(
        checkpoint: dict,
        source: Optional[str] = None) -> 'OrderedDict[str, torch.Tensor]':
    """The downstream weights of a pre-training checkpoint, renamed to the
    downstream keys (``backbone.*``, ``neck.*``, ``decode_head.convs.*``).

    Follows ``meta['transfer']`` (written by ``TransferMetaHook``);
    ``source='student'`` or ``'teacher'`` overrides the method's default.
    """
    state = checkpoint.get('state_dict', checkpoint)
    info = checkpoint.get('meta', {}).get('transfer')
    if info is None:
        raise KeyError('the checkpoint has no meta["transfer"] (was it '
                       'written by an mmdense pre-training run?)')
    source = source or info['source']
    if source not in info:
        raise ValueError(f'source {source!r} not available; the checkpoint '
                         f'offers {[k for k in info if k != "source"]}')
    prefixes: Dict[str, str] = info[source]
    out = OrderedDict()
    for down, own in prefixes.items():
        found = {k: v for k, v in state.items() if k.startswith(own)}
        if not found:
            raise KeyError(f'no weights with prefix {own!r} for {down!r}')
        out.update((down + k[len(own):], v.detach().clone())
                   for k, v in found.items())
    return out


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
                ('the torchvision format holds the backbone only' if fmt ==
                 'torchvision' else '--no-decoder') + ')')
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
    report['decoder'] = {
        g: {
            k: v
            for k, v in kind.items() if k != 'missing'
        }
        for g, kind in kinds.items()
    }

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
    expected = detectron2_resnet_keys(layout['stage_blocks'], layout['block'])
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
        expected += fpn_keys(n, norm, 'detectron2')
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
        d2_norm = dict(
            bn='"SyncBN" (or "BN" on one GPU)', gn='"GN"',
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
        raise ConversionError('detectron2 export is incomplete:' + (
            _diff('source keys not mapped', unmapped) if unmapped else '') +
                              (_diff('detectron2 keys missing', bad_missing
                                     ) if bad_missing else '') +
                              (_diff('detectron2 keys not expected', unexpected
                                     ) if unexpected else ''))
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
        weights,
        fmt,
        decoder,
        partial_decoder,
        what=f'backbone ({source} weights, {own}* in the checkpoint)')
    groups = sorted({k.split('.')[0] for k in converted}) \
        if fmt == 'mm' else None
    meta = dict(
        source=source,
        format=fmt,
        from_checkpoint=path,
        backbone=report['backbone'],
        decoder=report['decoder'],
        missing_decoder=report['missing_decoder'])
    if fmt == 'mm':
        meta['groups'] = groups
        save_checkpoint_file(dict(state_dict=converted, meta=meta), out)
    elif fmt == 'torchvision':
        _atomic_write(out, lambda f: torch.save(converted, f))
    else:
        obj = {
            'model': {
                k: _numpy(v)
                for k, v in converted.items()
            },
            '__author__': 'mmdense',
            'matching_heuristics': True
        }
        _atomic_write(out, lambda f: pickle.dump(obj, f))
    report.update(
        source=source,
        num_tensors=len(converted),
        out=out,
        groups=groups or sorted({'backbone', *report['decoder']}))
    return report
