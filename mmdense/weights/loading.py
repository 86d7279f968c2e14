"""Loud, exact loading of pre-trained weights into a fine-tuning model,
and weights-only loading of checkpoints from outside mmdense."""
import os.path as osp
from typing import Dict, Optional, Sequence

import torch
from mmengine.logging import print_log

from mmdense.utils.checkpoint import CheckpointError, load_checkpoint_file
from .keymaps import ConversionError


class PretrainedLoadError(RuntimeError):
    """Raised when pre-trained weights do not load exactly."""


def key_diff(title: str, keys: Sequence[str], limit: int = 12) -> str:
    keys = sorted(keys)
    more = f' ... (+{len(keys) - limit} more)' if len(keys) > limit else ''
    return f'\n  {title} ({len(keys)}): {keys[:limit]}{more}'


def needs_export(ckpt) -> bool:
    """A pre-training (or imported official) checkpoint: its tensors keep
    the pre-training names (student and teacher), ``meta['transfer']`` says
    which ones transfer; export_weights.py turns it into weights."""
    return isinstance(ckpt, dict) and isinstance(ckpt.get('meta'), dict) \
        and 'transfer' in ckpt['meta']


def read_weights(path: str) -> Dict[str, torch.Tensor]:
    """An exported weights file's ``state_dict`` (weights-only, checked:
    :func:`mmdense.utils.checkpoint.load_checkpoint_file`)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'pre-trained checkpoint "{path}" not found')
    ckpt = load_checkpoint_file(
        path,
        option=f'tools/model_converters/export_weights.py {path} '
        'OUT.pth --trust (then load OUT.pth)')
    if needs_export(ckpt):
        raise PretrainedLoadError(
            f'{path} is a pre-training checkpoint (student and teacher '
            'weights under their pre-training names): export the weights '
            'that transfer first with tools/model_converters/'
            f'export_weights.py {path} OUT.pth and load OUT.pth.')
    if not isinstance(ckpt, dict):
        raise PretrainedLoadError(
            f'{path} holds a bare {type(ckpt).__name__}, not weights')
    return ckpt.get('state_dict', ckpt)


def load_pretrained(model: torch.nn.Module,
                    path: str,
                    weights: Optional[Dict[str, torch.Tensor]] = None,
                    groups: Sequence[str] = ('backbone', ),
                    key_map: Optional[Dict[str, str]] = None,
                    allow_partial: bool = False) -> Dict[str, str]:
    """Load the groups ``groups`` (key prefixes such as ``'backbone'``,
    ``'neck'``, ``'decode_head.convs'``) of the checkpoint at ``path`` into
    ``model`` and nothing else.

    Every model key of each group must come from the checkpoint with the
    same shape, and every checkpoint key of each group must land in the
    model; otherwise a :class:`PretrainedLoadError` shows the key diff (a V1c
    deep stem against a plain one, a wrong prefix, an encoder-only
    checkpoint asked for a decoder...).  ``key_map`` renames checkpoint
    prefixes first (C4: ``{'backbone.layer4.':
    'roi_head.shared_head.layer4.'}``, with that group in ``groups``).
    ``allow_partial`` loads what matches and only warns.  ``weights``: the
    checkpoint's tensors when already read (``path`` then only names it in
    messages).  Returns a one-line report per group.
    """
    if weights is None:
        weights = read_weights(path)
    for src, dst in (key_map or {}).items():
        weights = {
            (dst + k[len(src):] if k.startswith(src) else k): v
            for k, v in weights.items()
        }
    own = model.state_dict()
    to_load, report, problems = {}, {}, []
    for group in groups:
        prefix = group + '.'
        expected = {k for k in own if k.startswith(prefix)}
        given = {k for k in weights if k.startswith(prefix)}
        if not expected:
            problems.append(f'the model has no "{group}" to load into')
            continue
        missing, unexpected = expected - given, given - expected
        bad_shape = {
            k
            for k in given & expected if weights[k].shape != own[k].shape
        }
        if not given:
            problems.append(
                f'"{group}": the checkpoint has no key starting with '
                f'"{prefix}"' + key_diff('checkpoint groups',
                                         {k.split('.')[0]
                                          for k in weights}))
        elif missing or unexpected or bad_shape:
            problems.append(
                f'"{group}": partial match' +
                (key_diff('model keys not in the checkpoint', missing
                          ) if missing else '') +
                (key_diff('checkpoint keys not in the model', unexpected
                          ) if unexpected else '') +
                (key_diff('shape mismatch', bad_shape) if bad_shape else ''))
        good = (given & expected) - bad_shape
        to_load.update({k: weights[k] for k in good})
        report[group] = f'{len(good)}/{len(expected)} tensors'
    if problems and not allow_partial:
        raise PretrainedLoadError(
            f'pre-trained weights {path} do not load exactly:\n- ' +
            '\n- '.join(problems) +
            '\n(allow_partial=True loads what matches; load_decoder=False '
            'in the benchmark configs skips the decoder)')
    for problem in problems:
        print_log(
            f'partial load of {path}: {problem}', logger='current', level=30)
    with torch.no_grad():
        for k, v in to_load.items():
            own[k].copy_(v)
    return report


def check_pretrained_init_cfgs(model: torch.nn.Module) -> None:
    """Fail before training when a module's ``init_cfg=dict(type=
    'Pretrained', checkpoint=FILE[, prefix=P])`` (as written in a stock
    mmdet / mmseg config, or set by mmseg from ``model.pretrained``) would
    load no tensor of that module: mmengine only warns about the missing
    keys and training starts from random init.  The usual cause is an mmdense
    export, whose keys keep their downstream prefix (``backbone.``,
    ``neck.``): the message names the ``prefix=`` to add."""
    for name, module in model.named_modules():
        cfg = getattr(module, 'init_cfg', None)
        if not (isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'):
            continue
        path, prefix = cfg.get('checkpoint'), cfg.get('prefix')
        if not isinstance(path, str) or '://' in path or \
                not osp.isfile(path):
            continue  # URLs; missing files are reported elsewhere
        try:
            weights = read_weights(path)
        except PretrainedLoadError:
            continue  # not weights-only: mmengine's own loader decides
        keys = [k[len(prefix):] for k in weights if k.startswith(prefix)] \
            if prefix else list(weights)
        own = set(module.state_dict())
        if own and not own.intersection(keys):
            tops = sorted({k.split('.')[0] + '.' for k in weights})
            hint = next((f"add prefix='{p}' to its init_cfg"
                         for p in tops if own.intersection(
                             k[len(p):] for k in weights if k.startswith(p))),
                        'check that the file holds this module')
            raise PretrainedLoadError(
                f'init_cfg of "{name or "model"}": {path} '
                f'(prefix={prefix!r}) matches none of its '
                f'{len(own)} tensors (the file\'s keys start with {tops}): '
                f'{hint}; as it is, training would start from random init.')


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
            names = {
                str(arg)
                for op, arg, _ in pickletools.genops(f)
                if op.name in ('GLOBAL', 'SHORT_BINUNICODE', 'BINUNICODE')
            }
        except Exception:
            return False
    return any(
        n.startswith('numpy')
        for n in names) and not any(n.startswith('torch') for n in names)
