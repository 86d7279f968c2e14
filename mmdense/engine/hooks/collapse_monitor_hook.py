"""A signal during pre-training: representation collapse.

:class:`CollapseMonitorHook` logs SimSiam's collapse measure (the mean over
dimensions of the per-dimension std of the L2-normalised embeddings) of
every level head's projector output, read by a forward hook from the
iteration's own forward pass (no extra forward).

Off in the paper configs and on in the CPU demos; see ``docs/monitors.md``.
"""
import math
from typing import Callable, Dict

import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmdense.evaluation.dense_probe import (_strided, collapse_std,
                                            projector_embeddings)
from mmdense.registry import HOOKS
from ._features import _level_heads


@HOOKS.register_module()
class CollapseMonitorHook(Hook):
    """Logs SimSiam's collapse measure of each level head's projector output
    every ``interval`` training iterations.

    A forward hook on ``<level head>.<module>`` (the student projector)
    captures its outputs during the last iteration of each interval (both
    views where the head projects both), so nothing is run twice.  Logged
    through ``runner.message_hub`` (printed by the LoggerHook as
    ``collapse_std...``):

    * ``train/collapse_std{_level}``: :func:`collapse_std` of the per-image
      embeddings (dense maps mean-pooled per image);
    * ``train/collapse_std{_level}_pix``: the same over the per-pixel
      embeddings (at most ``max_pixels``, evenly strided);
    * ``train/collapse_std{_level}_global``: the global vectors of heads
      whose projector also gives them (DenseCL's global branch);

    ``{_level}`` is empty for the encoder-only methods and ``_enc``,
    ``_dec0``... for DeCon (``model.level_heads()``).  Healthy values are
    about ``1 / sqrt(d)`` (written once to the log at the first
    measurement), collapsed ones go to 0.  Each process measures its own
    batch; rank 0's is logged.

    Args:
        interval (int): measure every ``interval`` iterations. Defaults to
            50.
        module (str): attribute of each level head to hook. Defaults to
            ``'projector'``.
        per_pixel (bool): also log the per-pixel measure. Defaults to True.
        max_pixels (int): pixels used for the per-pixel measure. Defaults to
            65536.
    """
    priority = 'NORMAL'  # before the LoggerHook (BELOW_NORMAL)

    def __init__(self,
                 interval: int = 50,
                 module: str = 'projector',
                 per_pixel: bool = True,
                 max_pixels: int = 65536) -> None:
        if interval < 1:
            raise ValueError(f'CollapseMonitorHook: interval must be >= 1, '
                             f'got {interval}')
        self.interval = interval
        self.module = module
        self.per_pixel = per_pixel
        self.max_pixels = max_pixels
        self._handles: list = []
        self._active = False
        self._captured: Dict[str, list] = {}
        self._announced = False

    def _targets(self, model: nn.Module) -> Dict[str, nn.Module]:
        heads = _level_heads(model)
        if heads:
            targets = {}
            for level, head in heads.items():
                target = getattr(head, self.module, None)
                if not isinstance(target, nn.Module):
                    raise AttributeError(
                        f'CollapseMonitorHook: the {level or "base"} level '
                        f'head ({type(head).__name__}) has no module '
                        f'{self.module!r}')
                targets[level] = target
            return targets
        neck = getattr(model, 'neck', None)  # plain mmpretrain self-sup
        if isinstance(neck, nn.Module):
            return {'': neck}
        raise AttributeError(
            f'CollapseMonitorHook: {type(model).__name__} has neither '
            '`level_heads()` nor a `neck` to monitor')

    def before_train(self, runner) -> None:
        self.after_train(runner)  # idempotent
        for level, target in self._targets(get_ori_model(
                runner.model)).items():
            self._captured[level] = []
            self._handles.append(
                target.register_forward_hook(self._make_capture(level)))

    def _make_capture(self, level: str) -> Callable:

        def capture(module, args, output):
            if self._active:
                self._captured[level].append(
                    projector_embeddings(
                        output, self.max_pixels if self.per_pixel else 1))

        return capture

    def before_train_iter(self, runner, batch_idx: int, data_batch=None):
        self._active = self.every_n_train_iters(runner, self.interval)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if not self._active:
            return
        self._active = False
        dims = {}
        for level, captured in self._captured.items():
            kinds = {}
            for emb in captured:
                for kind, z in emb.items():
                    kinds.setdefault(kind, []).append(z)
            captured.clear()
            for kind, zs in kinds.items():
                if kind == 'pix' and not self.per_pixel:
                    continue
                z = torch.cat(zs)
                idx = _strided(len(z), self.max_pixels, z.device)
                if kind == 'pix' and idx is not None:
                    z = z[idx]
                name = 'collapse_std' + ''.join(
                    f'_{part}' for part in (level, kind) if part)
                runner.message_hub.update_scalar(f'train/{name}',
                                                 collapse_std(z))
                dims[name] = z.shape[1]
        if dims and not self._announced:
            self._announced = True
            refs = ', '.join(f'{name}: d={d}, 1/sqrt(d)={1 / math.sqrt(d):.4f}'
                             for name, d in dims.items() if '_pix' not in name)
            runner.logger.info(
                'CollapseMonitorHook: mean per-dimension std of the '
                'L2-normalised projector outputs; healthy ~ 1/sqrt(d), '
                f'collapsed -> 0 ({refs})')

    def after_train(self, runner) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._active = False
