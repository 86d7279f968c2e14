"""Loud, exact loading of pre-trained weights into a fine-tuning model."""
import os.path as osp
from typing import Dict, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mmdense.registry import HOOKS


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
    from mmdense.utils.checkpoint import load_checkpoint_file
    if not osp.isfile(path):
        raise FileNotFoundError(f'pre-trained checkpoint "{path}" not found')
    ckpt = load_checkpoint_file(
        path, option=f'tools/model_converters/export_weights.py {path} '
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
    'roi_head.shared_head.layer4.'}``, with that group in ``groups``).  ``allow_partial`` loads what
    matches and only warns.  ``weights``: the checkpoint's tensors when
    already read (``path`` then only names it in messages).  Returns a
    one-line report per group.
    """
    if weights is None:
        weights = read_weights(path)
    for src, dst in (key_map or {}).items():
        weights = {(dst + k[len(src):] if k.startswith(src) else k): v
                   for k, v in weights.items()}
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
        bad_shape = {k for k in given & expected
                     if weights[k].shape != own[k].shape}
        if not given:
            problems.append(
                f'"{group}": the checkpoint has no key starting with '
                f'"{prefix}"' + key_diff('checkpoint groups', {
                    k.split('.')[0] for k in weights
                }))
        elif missing or unexpected or bad_shape:
            problems.append(
                f'"{group}": partial match' +
                (key_diff('model keys not in the checkpoint', missing)
                 if missing else '') +
                (key_diff('checkpoint keys not in the model', unexpected)
                 if unexpected else '') +
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
        print_log(f'partial load of {path}: {problem}', logger='current',
                  level=30)
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
            hint = next((f"add prefix='{p}' to its init_cfg" for p in tops
                         if own.intersection(k[len(p):] for k in weights
                                             if k.startswith(p))),
                        'check that the file holds this module')
            raise PretrainedLoadError(
                f'init_cfg of "{name or "model"}": {path} '
                f'(prefix={prefix!r}) matches none of its '
                f'{len(own)} tensors (the file\'s keys start with {tops}): '
                f'{hint}; as it is, training would start from random init.')


@HOOKS.register_module()
class LoadPretrainedHook(Hook):
    """Loads pre-trained weights (the exporter's output) into the fine-tuning
    model after its own initialisation, and reports what loaded.

    The benchmark configs set two plain variables, so that
    ``--cfg-options pretrained=PATH load_decoder=False`` works:

    * ``pretrained``: the checkpoint (``None``: random initialisation);
    * ``load_decoder``: ``'auto'`` (default: the decoder groups load when the
      checkpoint has them, i.e. from DeCon), ``True`` (required: an
      encoder-only checkpoint is an error), ``False`` (encoder-only transfer).

    A resumed run (iteration > 0) keeps its resumed weights.

    Args:
        groups (Sequence[str]): encoder groups, always loaded
            (``('backbone',)``; C4 adds ``'roi_head.shared_head.layer4'``).
        decoder_groups (Sequence[str]): ``('neck',)`` (FPN) or
            ``('decode_head.convs',)`` (FCN).
        key_map, allow_partial: see :func:`load_pretrained`.
        checkpoint, load_decoder: override the config variables.
    """
    priority = 'VERY_HIGH'

    def __init__(self,
                 groups: Sequence[str] = ('backbone', ),
                 decoder_groups: Sequence[str] = (),
                 key_map: Optional[Dict[str, str]] = None,
                 allow_partial: bool = False,
                 checkpoint: Optional[str] = None,
                 load_decoder=None) -> None:
        self.groups = tuple(groups)
        self.decoder_groups = tuple(decoder_groups)
        self.key_map = key_map
        self.allow_partial = allow_partial
        self.checkpoint = checkpoint
        self.load_decoder = load_decoder

    def _groups(self, weights: dict, load_decoder) -> tuple:
        if load_decoder not in ('auto', True, False):
            raise ValueError(f"load_decoder must be 'auto', True or False, "
                             f'got {load_decoder!r}')
        if load_decoder is False:
            return self.groups
        if load_decoder == 'auto':
            self._check_decoder_kind(weights)
            present = tuple(g for g in self.decoder_groups
                            if any(k.startswith(g + '.') for k in weights))
            return self.groups + present
        return self.groups + self.decoder_groups

    def _check_decoder_kind(self, weights: dict) -> None:
        """A decoder in the checkpoint that this model cannot take (a DeCon
        FPN export given to an FCN benchmark, or the reverse) is an error,
        not a silent drop: ``load_decoder=False`` turns the decoder off."""
        taken = self.groups + self.decoder_groups
        foreign = sorted(
            k for k in weights
            if not any(k.startswith(g + '.') for g in taken)
            and k.split('.')[0] in ('neck', 'decode_head'))
        if foreign:
            roots = sorted({'.'.join(k.split('.')[:2]) for k in foreign})
            raise PretrainedLoadError(
                f'the checkpoint has a decoder this model does not take: '
                f'{len(foreign)} tensors under {roots}, while this config '
                f'loads decoders into {list(self.decoder_groups) or "none"}'
                + key_diff('checkpoint decoder keys', foreign, 6) +
                '\n(a DeCon FPN export goes to the Mask R-CNN benchmarks, an '
                'FCN export to the FCN ones; load_decoder=False fine-tunes '
                'the encoder only and leaves the decoder at random init)')

    def load(self, model: torch.nn.Module, path: str,
             load_decoder='auto') -> str:
        """Load ``path`` into ``model`` (unwrapped) as :meth:`before_train`
        does; returns the report line (also used by
        ``tools/analysis_tools/dense_probe.py``)."""
        if self.load_decoder is not None:
            load_decoder = self.load_decoder
        weights = read_weights(path)
        groups = self._groups(weights, load_decoder)
        report = load_pretrained(model, path, weights, groups, self.key_map,
                                 self.allow_partial)
        skipped = [g for g in self.decoder_groups if g not in groups]
        return (f'pre-trained weights {path} loaded: ' +
                ', '.join(f'{g} {r}' for g, r in report.items()) +
                (f'; not loaded (random init): {skipped}' if skipped else ''))

    def before_train(self, runner) -> None:
        path = self.checkpoint or runner.cfg.get('pretrained')
        if path is None:
            runner.logger.info('pre-trained weights: none (random init)')
            return
        if runner.iter > 0:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        runner.logger.info(
            self.load(model, path, runner.cfg.get('load_decoder', 'auto')))
