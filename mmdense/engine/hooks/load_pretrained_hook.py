"""Loads the exported pre-trained weights into the fine-tuning model."""
from typing import Dict, Optional, Sequence

import torch
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmdense.registry import HOOKS
from mmdense.weights import (PretrainedLoadError, key_diff, load_pretrained,
                             read_weights)


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
            present = tuple(
                g for g in self.decoder_groups if any(
                    k.startswith(g + '.') for k in weights))
            return self.groups + present
        return self.groups + self.decoder_groups

    def _check_decoder_kind(self, weights: dict) -> None:
        """A decoder in the checkpoint that this model cannot take (a DeCon
        FPN export given to an FCN benchmark, or the reverse) is an error,
        not a silent drop: ``load_decoder=False`` turns the decoder off."""
        taken = self.groups + self.decoder_groups
        foreign = sorted(
            k for k in weights
            if not any(k.startswith(g + '.')
                       for g in taken) and k.split('.')[0] in ('neck',
                                                               'decode_head'))
        if foreign:
            roots = sorted({'.'.join(k.split('.')[:2]) for k in foreign})
            raise PretrainedLoadError(
                f'the checkpoint has a decoder this model does not take: '
                f'{len(foreign)} tensors under {roots}, while this config '
                f'loads decoders into {list(self.decoder_groups) or "none"}' +
                key_diff('checkpoint decoder keys', foreign, 6) +
                '\n(a DeCon FPN export goes to the Mask R-CNN benchmarks, an '
                'FCN export to the FCN ones; load_decoder=False fine-tunes '
                'the encoder only and leaves the decoder at random init)')

    def load(self,
             model: torch.nn.Module,
             path: str,
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
        model = get_ori_model(runner.model)
        runner.logger.info(
            self.load(model, path, runner.cfg.get('load_decoder', 'auto')))
