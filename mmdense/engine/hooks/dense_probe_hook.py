"""A signal during pre-training: an online dense linear probe.

:class:`DenseProbeHook` trains a linear 1x1-conv classifier on frozen
features of a small labelled segmentation set and logs its mIoU (the maths:
:mod:`mmdense.evaluation.dense_probe`).

Off in the paper configs and on in the CPU demos; see ``docs/monitors.md``.
"""
import math
import time
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.registry import DATASETS as ROOT_DATASETS
from mmengine.registry import DefaultScope
from mmengine.runner import EpochBasedTrainLoop
from mmpretrain.utils import get_ori_model

from mmdense.evaluation.dense_probe import frozen_eval, linear_probe_scores
from mmdense.registry import HOOKS
from mmdense.utils.rng import preserve_rng
from ._features import _level_heads


def own_features(model: nn.Module, source: str) -> Callable:
    """``f(normalised images) -> {level: features}`` of a pre-training model:
    its ``teacher_features`` / ``student_features`` (``source``), else its
    backbone's last map under the level ``''``."""
    if source == 'teacher' and hasattr(model, 'teacher_features'):
        return model.teacher_features
    if hasattr(model, 'student_features'):
        return model.student_features
    return lambda x: {'': model.backbone(x)[-1]}


@HOOKS.register_module()
class DenseProbeHook(Hook):
    """Online dense linear probe: every ``interval`` iterations (or epochs),
    a linear 1x1-conv classifier is trained on frozen features of a small
    labelled segmentation set and its mIoU on held-out images is logged.

    The features are the model's own ``teacher_features`` or
    ``student_features`` (``source``; by default the weights the method
    transfers, ``model.transfer``) at ``level``, computed with every module
    in eval mode under ``torch.no_grad()``; the modules' training flags and
    python / numpy / torch random states are restored afterwards, so the
    training run is the same as without the probe.  Only rank 0 probes.

    The images are loaded once (``before_train``) through the dataset's own
    pipeline, which must give images of one fixed size (a test-style
    pipeline with ``Resize(keep_ratio=False)``); labels not at the image size
    are resized to it (nearest).  The classifier's logits are upsampled to
    the label grid (:func:`fit_linear_probe`).

    Logged (message hub, printed by the LoggerHook, and one info line per
    probe): ``train/probe/mIoU``, ``train/probe/mAcc``, ``train/probe/aAcc``
    (percent; shown as ``probe/mIoU`` etc.).

    Args:
        dataset (dict): mmseg-style labelled dataset (``inputs`` uint8 image,
            ``data_samples.gt_sem_seg``), built in ``scope``.
        num_classes (int): classes of the labels (21 for VOC).
        val_dataset (dict, optional): held-out set; without it the last
            ``val_fraction`` of the loaded ``dataset`` samples is held out.
        val_fraction (float): see above. Defaults to 0.25.
        interval (int): probe every ``interval`` iterations (iteration-based
            loops) or epochs (epoch-based). Defaults to 1000.
        by_epoch (bool, optional): force the unit of ``interval``; by
            default the train loop's.
        level (str): feature level: ``'enc'`` (C5; ``''`` is the same for the
            encoder-only methods) or a DeCon decoder level ``'dec0'``...
        source (str, optional): ``'teacher'`` or ``'student'``; defaults to
            ``model.transfer`` (``'student'`` for models without it).
        max_samples (int): images taken (evenly spaced) from each dataset.
            Defaults to 64.
        probe_iters (int): SGD steps. Defaults to 300.
        lr (float): SGD learning rate (features are standardised and
            L2-normalised per pixel). Defaults to 2.0.
        momentum, weight_decay (float): SGD's. 0.9, 0.
        batch_size (int): images per feature-extraction chunk. Defaults to
            16.
        at_start (bool): also probe before the first iteration (the
            initialisation's baseline). Defaults to False.
        scope (str): registry scope of ``dataset``. Defaults to ``'mmseg'``.
        ignore_index (int): Defaults to 255.
    """
    priority = 'NORMAL'  # before the LoggerHook (BELOW_NORMAL)

    def __init__(self,
                 dataset: dict,
                 num_classes: int,
                 val_dataset: Optional[dict] = None,
                 val_fraction: float = 0.25,
                 interval: int = 1000,
                 by_epoch: Optional[bool] = None,
                 level: str = 'enc',
                 source: Optional[str] = None,
                 max_samples: int = 64,
                 probe_iters: int = 300,
                 lr: float = 2.0,
                 momentum: float = 0.9,
                 weight_decay: float = 0.0,
                 batch_size: int = 16,
                 at_start: bool = False,
                 scope: str = 'mmseg',
                 ignore_index: int = 255) -> None:
        if interval < 1:
            raise ValueError(
                f'DenseProbeHook: interval must be >= 1, got {interval}')
        if source not in (None, 'teacher', 'student'):
            raise ValueError(f"DenseProbeHook: source must be 'teacher' or "
                             f"'student', got {source!r}")
        if val_dataset is None and not 0 < val_fraction < 1:
            raise ValueError('DenseProbeHook: val_fraction must be in (0, 1)')
        self.dataset = dataset
        self.val_dataset = val_dataset
        self.val_fraction = val_fraction
        self.num_classes = num_classes
        self.interval = interval
        self.by_epoch = by_epoch
        self.level = level
        self.source = source
        self.max_samples = max_samples
        self.probe_iters = probe_iters
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.at_start = at_start
        self.scope = scope
        self.ignore_index = ignore_index
        self._data = None

    # ------------------------------------------------------------- data
    def _load(self, cfg: dict) -> Tuple[torch.Tensor, torch.Tensor]:
        with DefaultScope.overwrite_default_scope(self.scope):
            dataset = ROOT_DATASETS.build(cfg)
        n = len(dataset)
        if n == 0:
            raise ValueError('DenseProbeHook: the probe dataset is empty')
        idx = np.unique(
            np.linspace(0, n - 1, min(n,
                                      self.max_samples)).round().astype(int))
        images, labels = [], []
        for i in idx:
            item = dataset[int(i)]
            img = item['inputs']
            seg = item['data_samples'].gt_sem_seg.data.long()
            if seg.shape[-2:] != img.shape[-2:]:
                seg = F.interpolate(
                    seg[None].float(), size=img.shape[-2:],
                    mode='nearest')[0].long()
            if images and img.shape != images[0].shape:
                raise ValueError(
                    'DenseProbeHook: the probe pipeline must give images of '
                    f'one size (got {tuple(images[0].shape)} and '
                    f'{tuple(img.shape)}): use Resize(scale=..., '
                    'keep_ratio=False)')
            images.append(img)
            labels.append(seg[0])
        return torch.stack(images), torch.stack(labels)

    def _load_all(self):
        with preserve_rng():
            imgs, labels = self._load(self.dataset)
            if self.val_dataset is not None:
                val_imgs, val_labels = self._load(self.val_dataset)
            else:
                if len(imgs) < 2:
                    raise ValueError('DenseProbeHook: need at least two '
                                     'images to hold one out')
                n_val = min(
                    len(imgs) - 1,
                    max(1, int(math.ceil(len(imgs) * self.val_fraction))))
                imgs, val_imgs = imgs[:-n_val], imgs[-n_val:]
                labels, val_labels = labels[:-n_val], labels[-n_val:]
        return imgs, labels, val_imgs, val_labels

    # ----------------------------------------------------------- model
    def resolve(self, model: nn.Module) -> Tuple[str, str]:
        """(level, source) this hook probes on ``model``: ``level`` as the
        model names it (``'enc'`` and ``''`` are aliases), ``source``
        ``'teacher'`` or ``'student'``; a level the model lacks is a
        KeyError."""
        heads = _level_heads(model)
        levels = list(heads) if heads else ['']
        level = self.level
        if level not in levels:
            alias = {'': 'enc', 'enc': ''}.get(level)
            if alias is None or alias not in levels:
                raise KeyError(
                    f'DenseProbeHook: level {level!r} is not one of the '
                    f"model's levels {levels}")
            level = alias
        source = self.source or getattr(model, 'transfer', 'student')
        return level, source

    def extract_features(self,
                         model: nn.Module,
                         images: torch.Tensor,
                         source: str,
                         level: str,
                         extract: Optional[Callable] = None) -> torch.Tensor:
        """Features (N, C, h, w) of uint8 ``images`` at ``level``, in chunks
        of ``batch_size``, through the model's data preprocessor and
        ``extract`` (default: :func:`own_features`); call it inside
        :func:`frozen_eval`."""
        if extract is None:
            extract = own_features(model, source)
        feats = []
        for chunk in images.split(self.batch_size or len(images)):
            x = model.data_preprocessor(
                dict(inputs=chunk, data_samples=None), False)['inputs']
            feats.append(extract(x)[level].float())
        return torch.cat(feats)

    def probe(self,
              model: nn.Module,
              extract: Optional[Callable] = None) -> Dict[str, float]:
        """Runs the probe on ``model`` (unwrapped); returns the scores
        (percent) and ``time`` (s).  Leaves the model and the random states
        as they were.

        ``extract``: ``f(normalised images) -> {level: (N, C, h, w)}`` in
        place of the model's own feature functions (e.g. a fine-tuning
        model's backbone or decoder: ``tools/analysis_tools/dense_probe.py``).
        """
        if self._data is None:
            self._data = self._load_all()
        imgs, labels, val_imgs, val_labels = self._data
        if extract is None:
            level, source = self.resolve(model)
        else:
            level, source = self.level, None
        start = time.perf_counter()
        with preserve_rng():
            with frozen_eval(model):
                train_feats = self.extract_features(model, imgs, source, level,
                                                    extract)
                val_feats = self.extract_features(model, val_imgs, source,
                                                  level, extract)
            scores = linear_probe_scores(
                train_feats,
                labels,
                val_feats,
                val_labels,
                self.num_classes,
                ignore_index=self.ignore_index,
                iters=self.probe_iters,
                lr=self.lr,
                momentum=self.momentum,
                weight_decay=self.weight_decay)
        scores['time'] = time.perf_counter() - start
        return scores

    def _run(self, runner) -> None:
        if not is_main_process():
            return
        model = get_ori_model(runner.model)
        scores = self.probe(model)
        for key in ('mIoU', 'mAcc', 'aAcc'):
            runner.message_hub.update_scalar(f'train/probe/{key}', scores[key])
        level, source = self.resolve(model)
        imgs, _, val_imgs, _ = self._data
        runner.logger.info(
            f'DenseProbeHook (iter {runner.iter + 1}, epoch '
            f'{runner.epoch + 1}): probe/mIoU: {scores["mIoU"]:.2f}  '
            f'probe/mAcc: {scores["mAcc"]:.2f}  probe/aAcc: '
            f'{scores["aAcc"]:.2f}  ({source} level '
            f'{level or "enc"!r}, {len(imgs)} train / {len(val_imgs)} '
            f'held-out images {tuple(imgs.shape[-2:])}, '
            f'{self.probe_iters} SGD steps, {scores["time"]:.2f} s)')

    # ------------------------------------------------------------ hooks
    def before_train(self, runner) -> None:
        if self.by_epoch is None:
            self.by_epoch = isinstance(runner.train_loop, EpochBasedTrainLoop)
        self.resolve(get_ori_model(runner.model))  # fail early on a bad level
        if is_main_process() and self._data is None:
            self._data = self._load_all()
        if self.at_start:
            self._run(runner)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if not self.by_epoch and self.every_n_train_iters(
                runner, self.interval):
            self._run(runner)

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and self.every_n_epochs(runner, self.interval):
            self._run(runner)
