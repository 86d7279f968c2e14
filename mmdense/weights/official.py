"""Import of officially released checkpoints.

Officially released DenseCL, MoCo v1/v2, SlotCon, DeCon and PixPro checkpoints
become mmdense-style checkpoints (``backbone.*``, ``teacher_backbone.*``,
``neck.*`` / ``decode_head.*``, ``teacher_decoder.*`` and
``meta['transfer']`` as :class:`~mmdense.engine.TransferMetaHook` writes
it), which the exporters take.  External files are loaded weights-only;
``trust=True`` unpickles them in full (e.g. SlotCon / DeCon full checkpoints
store an ``argparse.Namespace`` under ``'args'``).  The layouts assumed are
documented in ``docs/tools.md`` ("Model converters").
"""
from collections import OrderedDict
from typing import Dict, Optional, Tuple

import torch

from mmdense.utils.checkpoint import save_checkpoint_file
from .keymaps import (ConversionError, check_decoder, check_resnet,
                      detectron2_to_mm_fpn)
from .loading import load_external_checkpoint

METHODS = ('densecl', 'mocov1', 'mocov2', 'slotcon', 'decon', 'pixpro')
# which weights each method transfers by default (the authors' converters:
# DenseCL / MoCo / PixPro take the query encoder, SlotCon / DeCon the teacher)
DEFAULT_SOURCE = dict(
    densecl='student',
    mocov1='student',
    mocov2='student',
    slotcon='teacher',
    decon='teacher',
    pixpro='student')


def _sub(state: Dict[str, torch.Tensor], prefix: str) -> 'OrderedDict':
    return OrderedDict(
        (k[len(prefix):], v) for k, v in state.items() if k.startswith(prefix))


def _tensors(d) -> 'OrderedDict':
    return OrderedDict(
        (k, v) for k, v in d.items() if isinstance(v, torch.Tensor))


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
        L.update(
            layout='openselfsup',
            student='encoder_q.0.',
            teacher='encoder_k.0.' if _has(keys, 'encoder_k.0.') else None)
        if 'queue2' in keys:
            guess = 'densecl'
        elif _has(keys, 'encoder_q.1.mlp.'):
            guess = 'mocov2'
        elif _has(keys, 'encoder_q.1.fc.'):
            guess = 'mocov1'
        else:
            guess = None
    elif _has(keys, 'encoder.') and not _has(keys, 'encoder_q.'):
        # PixPro (main_pretrain.py save_checkpoint: DDP(PixPro) with
        # encoder / encoder_k, projector / projector_k, value_transform)
        L.update(
            layout='encoder/encoder_k',
            student='encoder.',
            teacher='encoder_k.' if _has(keys, 'encoder_k.') else None)
        guess = 'pixpro' if _has(keys, 'value_transform') or _has(
            keys, 'projector.') else None
    elif _has(keys, 'encoder_q.') or _has(keys, 'encoder_k.'):
        # MoCo (module.encoder_q / encoder_k, torchvision ResNets with fc),
        # SlotCon / DeCon (encoder_q / encoder_k, decoder_q / decoder_k)
        L.update(
            layout='encoder_q/encoder_k',
            student='encoder_q.' if _has(keys, 'encoder_q.') else None,
            teacher='encoder_k.' if _has(keys, 'encoder_k.') else None,
            student_decoder='decoder_q.' if _has(keys, 'decoder_q.') else None,
            teacher_decoder='decoder_k.' if _has(keys, 'decoder_k.') else None)
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
        teacher = next(
            (p
             for p in ('momentum_encoder.module.0.',
                       'momentum_encoder.module.backbone.') if _has(keys, p)),
            None)
        L.update(
            layout='backbone',
            student='backbone.',
            teacher=teacher,
            student_decoder='decoder.' if _has(keys, 'decoder.') else None)
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
            'encoder_k.* [/ decoder_k.*], PixPro [module.]encoder.* / '
            'encoder_k.*, backbone.* [/ decoder.*], bare '
            f'torchvision ResNet names); first keys {keys[:8]}')
    L['guess'] = guess
    return L


def _encoder(state, prefix: str, notes: list, what: str) -> 'OrderedDict':
    enc = _sub(state, prefix)
    fc = [k for k in enc if k.startswith('fc.')]
    if fc:
        notes.append(f'{what}: {len(fc)} fc.* tensors dropped (projection '
                     'head / classifier, not part of the backbone)')
        enc = OrderedDict(
            (k, v) for k, v in enc.items() if not k.startswith('fc.'))
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
        # default (DenseCL / MoCo / PixPro: query encoder, SlotCon / DeCon:
        # teacher)
        src = DEFAULT_SOURCE[method]
        own = 'backbone.' if src == 'student' else 'teacher_backbone.'
        enc = _encoder(state, '', notes, 'backbone')
        out.update((own + k, v) for k, v in enc.items())
        prefixes[src] = {'backbone.': own}
        mapping.append((src, L['stripped'], own, len(enc)))
        notes.append(f'backbone-only file: taken as the {src} weights '
                     f'(what the {method} authors release)')
    else:
        for src, own in (('student', 'backbone.'), ('teacher',
                                                    'teacher_backbone.')):
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
            same = all(
                torch.equal(v, state['encoder_q.0.' + k])
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
    imported = dict(
        method=method,
        layout=L['layout'],
        container=L['container'],
        stripped=L['stripped'],
        source_prefixes={s: L.get(s)
                         for s in ('student', 'teacher')},
        mapping=mapping,
        notes=notes,
        from_checkpoint=origin)
    transfer = dict(source=source, **prefixes)
    return dict(
        state_dict=out, meta=dict(transfer=transfer, imported=imported))


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
    return dict(
        meta['imported'],
        transfer=meta['transfer'],
        num_tensors=len(ckpt['state_dict']),
        out=out)
