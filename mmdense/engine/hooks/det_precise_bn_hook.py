"""detectron2's ``TEST.PRECISE_BN`` for mmdet detectors.

detectron2 (engine/defaults.py:461-479, engine/hooks.py:567-631, fvcore
``update_bn_stats``), when ``TEST.PRECISE_BN.ENABLED``: after the last
iteration (and every ``TEST.EVAL_PERIOD``, 0 in the published configs) it
runs the model ``NUM_ITER`` (200) times in training mode on batches of a
separate training loader (same dataset and augmentation, no workers), with
every BN in training mode at momentum 1, and sets each BN's running mean /
var to the plain average of the per-batch statistics; before checkpointing
and evaluation.

mmpretrain's ``PreciseBNHook`` computes the same average, but does not fit a
two-stage detector: it runs ``model(**data)``, i.e. mmdet's ``'tensor'``
mode, in which the ROI head sees the RPN's *test* proposals (``test_cfg``,
1000 per image) instead of the 512 sampled training ROIs that detectron2's
training-mode forward gives it, so the res5 / box-head / mask-head BN
statistics come from a different population; and it iterates the train
loop's own dataloader, which with persistent workers resets the training
loader's iterator (the training data stream restarts).  This hook runs the
``'loss'`` forward on a loader of its own.
"""
import copy
from typing import Optional

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.utils import get_ori_model
from torch.nn.modules.batchnorm import _BatchNorm

from mmdense.registry import HOOKS


@torch.no_grad()
def update_bn_stats(model: torch.nn.Module, batches, num_iters: int) -> int:
    """fvcore's ``update_bn_stats``: ``num_iters`` training-mode forwards
    (mmengine ``'loss'`` mode) on ``batches``; each BN in training mode gets
    the average of the per-batch mean / var.  Returns the number of BN
    layers updated."""
    bns = [
        m for m in model.modules() if m.training and isinstance(m, _BatchNorm)
    ]
    if not bns:
        return 0
    momenta = [bn.momentum for bn in bns]
    means = [torch.zeros_like(bn.running_mean) for bn in bns]
    vars_ = [torch.zeros_like(bn.running_var) for bn in bns]
    for bn in bns:
        bn.momentum = 1.0
    n = 0
    try:
        for data in batches:
            if n == num_iters:
                break
            data = model.data_preprocessor(data, True)
            model(**data, mode='loss')
            for i, bn in enumerate(bns):
                means[i] += (bn.running_mean - means[i]) / (n + 1)
                vars_[i] += (bn.running_var - vars_[i]) / (n + 1)
            n += 1
    finally:
        for bn, m in zip(bns, momenta):
            bn.momentum = m
    if n != num_iters:
        raise RuntimeError(f'precise BN: {n} of {num_iters} batches')
    for bn, mean, var in zip(bns, means, vars_):
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)
    return len(bns)


@HOOKS.register_module()
class DetPreciseBNHook(Hook):
    """Precise BN as detectron2's ``hooks.PreciseBN``.

    Args:
        num_iters: batches per update (``TEST.PRECISE_BN.NUM_ITER``, 200).
        interval: also update every ``interval`` iterations
            (``TEST.EVAL_PERIOD``); 0: only after the last iteration.
        loader_cfg: overrides of the training dataloader config for the
            loader of this hook (default: no workers, as detectron2).
    """

    priority = 'ABOVE_NORMAL'  # before CheckpointHook, as detectron2

    def __init__(self,
                 num_iters: int = 200,
                 interval: int = 0,
                 loader_cfg: Optional[dict] = None) -> None:
        assert num_iters > 0 and interval >= 0
        self.num_iters = num_iters
        self.interval = interval
        self.loader_cfg = dict(num_workers=0, persistent_workers=False)
        self.loader_cfg.update(loader_cfg or {})
        self._batches = None

    def _loader(self, runner):
        if self._batches is None:
            cfg = copy.deepcopy(runner.cfg.train_dataloader)
            # a copy of the training set as built (not parsed again)
            cfg['dataset'] = runner.train_loop.dataloader.dataset
            cfg.update(self.loader_cfg)
            seed = runner.seed + 1 if runner.seed is not None else None
            loader = runner.build_dataloader(cfg, seed=seed)
            self._batches = iter(_forever(loader))
        return self._batches

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        next_iter = runner.iter + 1
        if not (next_iter == runner.max_iters
                or self.interval > 0 and next_iter % self.interval == 0):
            return
        model = get_ori_model(runner.model)
        print_log(f'precise BN: {self.num_iters} batches...', logger='current')
        n = update_bn_stats(model, self._loader(runner), self.num_iters)
        print_log(f'precise BN: {n} BN layers updated', logger='current')


def _forever(loader):
    while True:
        yield from loader
