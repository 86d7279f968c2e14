"""Signals during pre-training: representation collapse and an online dense
linear probe.

* :class:`CollapseMonitorHook` logs SimSiam's collapse measure (the mean over
  dimensions of the per-dimension std of the L2-normalised embeddings) of
  every level head's projector output, read by a forward hook from the
  iteration's own forward pass (no extra forward).
* :class:`DenseProbeHook` trains a linear 1x1-conv classifier on frozen
  features of a small labelled segmentation set and logs its mIoU.

Both are off in the paper configs and on in the CPU demos; see
``docs/monitors.md``.
"""
import contextlib
import math
import time
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import DATASETS as ROOT_DATASETS
from mmengine.registry import DefaultScope
from mmengine.runner import EpochBasedTrainLoop

from mmdense.registry import HOOKS
from mmdense.utils.rng import preserve_rng

__all__ = [
    'CollapseMonitorHook', 'DenseProbeHook', 'collapse_std',
    'projector_embeddings', 'preserve_rng', 'frozen_eval', 'soft_labels',
    'fit_linear_probe',
    'predict_linear_probe', 'segmentation_scores', 'linear_probe_scores'
]


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if is_model_wrapper(model) else model


def _level_heads(model: nn.Module) -> Dict[str, nn.Module]:
    """Level name -> head: ``model.level_heads()`` of mmdense's methods
    (``{'': head}``; DeCon: ``{'enc': ..., 'dec0': ...}``), else the plain
    mmpretrain layout (``{'': model.neck}``-like, handled by the caller)."""
    if hasattr(model, 'level_heads'):
        return dict(model.level_heads())
    return {}


# --------------------------------------------------------------- collapse
def collapse_std(z: torch.Tensor) -> float:
    """SimSiam's collapse measure of embeddings ``z`` (N, D): L2-normalise
    each row, take the std of every dimension over the N rows, average over
    the D dimensions.  About ``1 / sqrt(D)`` for well spread (e.g. isotropic
    Gaussian) embeddings, 0 when all rows point the same way.  NaN for
    N < 2."""
    z = z.detach().float().flatten(1)
    if len(z) < 2:
        return float('nan')
    return F.normalize(z, dim=1).std(dim=0).mean().item()


def _strided(n: int, k: Optional[int], device) -> Optional[torch.Tensor]:
    """At most ``k`` evenly strided indices of ``range(n)`` (None: all)."""
    if k is None or n <= k:
        return None
    return torch.linspace(0, n - 1, k, device=device).long()


def projector_embeddings(output,
                         max_pixels: Optional[int] = None
                         ) -> Dict[str, torch.Tensor]:
    """Embeddings of a projector's output, detached, float, by kind:
    ``''`` per image (N, D), ``'pix'`` per pixel (M, D), ``'global'`` a
    separate global vector (N, D).

    * a dense map (N, D, H, W) or (N, D, S) (SlotCon's projector): per-image
      vectors are its spatial means, per-pixel ones its locations (at most
      ``max_pixels``, evenly strided, selected before any copy);
    * a tuple / list (mmpretrain's ``DenseCLNeck``: global (N, D), dense
      (N, D, S), pooled dense (N, D)): its first dense (>= 3-d) element as
      above, and its first matrix (N, D) as ``'global'``;
    * a matrix (N, D): per image only.
    """
    out = {}
    if isinstance(output, (tuple, list)):
        tensors = [o for o in output if torch.is_tensor(o)]
        dense = [o for o in tensors if o.dim() >= 3]
        vectors = [o for o in tensors if o.dim() == 2]
        if dense and vectors:
            out['global'] = vectors[0].detach().float()
        output = dense[0] if dense else tensors[0]
    x = output.detach()
    if x.dim() == 2:
        out[''] = x.float()
        return out
    x = x.flatten(2)  # N, D, S
    n, d, s = x.shape
    out[''] = x.float().mean(dim=2)
    idx = _strided(n * s, max_pixels, x.device)
    if idx is None:
        out['pix'] = x.transpose(1, 2).reshape(-1, d).float()
    else:
        out['pix'] = x[idx // s, :, idx % s].float()
    return out


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
        for level, target in self._targets(_unwrap(runner.model)).items():
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


# ------------------------------------------------------------ dense probe
@contextlib.contextmanager
def frozen_eval(model: nn.Module):
    """Every module in eval mode under ``torch.no_grad()``; on exit each
    module's own ``training`` flag is restored (not a blanket
    ``model.train()``, which would undo ``norm_eval`` and the like)."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        for module, mode in modes:
            module.training = mode


def _standardise(feats: torch.Tensor, stats=None):
    """Per-channel standardisation with the training features' statistics,
    then each pixel's vector scaled to unit L2 norm (keeps the SGD step
    size independent of the channel count and its correlations)."""
    if stats is None:
        mean = feats.mean(dim=(0, 2, 3), keepdim=True)
        std = feats.std(dim=(0, 2, 3), keepdim=True).clamp(min=1e-6)
        stats = (mean, std)
    x = (feats - stats[0]) / stats[1]
    return F.normalize(x, dim=1), stats


def soft_labels(labels: torch.Tensor,
                num_classes: int,
                size: Tuple[int, int],
                ignore_index: int = 255) -> Tuple[torch.Tensor, torch.Tensor]:
    """Labels (N, H, W) pooled onto a (h, w) grid: per cell the fraction of
    each class among its valid pixels (N, K, h, w) and the cell's fraction
    of valid pixels (N, h, w) (0 where all are ``ignore_index`` or out of
    range).  At the labels' own size these are one-hot labels and a 0/1
    mask."""
    labels = labels.long()
    valid = (labels != ignore_index) & (labels >= 0) & (labels < num_classes)
    index = labels.masked_fill(~valid, num_classes)[:, None]
    pooled = []
    for chunk in index.split(8):  # bounded memory at large label grids
        onehot = torch.zeros(
            len(chunk), num_classes + 1, *chunk.shape[-2:],
            device=chunk.device).scatter_(1, chunk, 1.0)
        if tuple(chunk.shape[-2:]) != tuple(size):
            onehot = F.adaptive_avg_pool2d(onehot, size)
        pooled.append(onehot)
    onehot = torch.cat(pooled)
    weight = 1 - onehot[:, num_classes]
    target = onehot[:, :num_classes] / weight.clamp(min=1e-12)[:, None]
    return target, weight


def fit_linear_probe(feats: torch.Tensor,
                     labels: torch.Tensor,
                     num_classes: int,
                     iters: int = 300,
                     lr: float = 2.0,
                     momentum: float = 0.9,
                     weight_decay: float = 0.0,
                     ignore_index: int = 255) -> Tuple[nn.Conv2d, tuple]:
    """Trains a 1x1-conv classifier on frozen features, full batch, plain
    SGD; the classifier starts at zero (no random init, no random stream
    used).

    Args:
        feats (Tensor): (N, C, h, w) features (any grid).
        labels (Tensor): (N, H, W) class indices, ``ignore_index`` ignored.
            They are pooled onto the feature grid as class fractions
            (:func:`soft_labels`) and the loss is the soft cross-entropy per
            cell, weighted by the cell's valid fraction: the cost of a step
            is that of the feature grid, not of the label grid.
        num_classes (int): K.
        iters, lr, momentum, weight_decay: SGD's.

    Returns:
        (classifier, standardisation statistics) for
        :func:`predict_linear_probe`.
    """
    feats = feats.detach().float()
    x, stats = _standardise(feats)
    target, weight = soft_labels(
        labels.to(x.device), num_classes, x.shape[-2:], ignore_index)
    # pixels as samples: (P, C), (P, K), (P,)
    x = x.permute(0, 2, 3, 1).reshape(-1, x.shape[1])
    target = target.permute(0, 2, 3, 1).reshape(-1, num_classes)
    weight = weight.flatten()
    keep = weight > 0
    x, target, weight = x[keep], target[keep], weight[keep]
    classifier = nn.Conv2d(x.shape[1], num_classes, 1).to(x.device)
    nn.init.zeros_(classifier.weight)
    nn.init.zeros_(classifier.bias)
    if len(x) == 0:
        return classifier.requires_grad_(False), stats
    weight = weight / weight.sum()
    optim = torch.optim.SGD(
        classifier.parameters(),
        lr=lr,
        momentum=momentum,
        weight_decay=weight_decay)
    with torch.enable_grad():
        for _ in range(iters):
            logits = torch.addmm(classifier.bias, x,
                                 classifier.weight.flatten(1).t())
            loss = -(weight *
                     (target * logits.log_softmax(dim=1)).sum(dim=1)).sum()
            optim.zero_grad()
            loss.backward()
            optim.step()
    return classifier.requires_grad_(False), stats


@torch.no_grad()
def predict_linear_probe(classifier: nn.Conv2d,
                         stats: tuple,
                         feats: torch.Tensor,
                         size: Tuple[int, int],
                         batch_size: int = 16) -> torch.Tensor:
    """(N, H, W) predicted classes of features (N, C, h, w) at ``size``."""
    preds = []
    for chunk in feats.detach().float().split(batch_size):
        x, _ = _standardise(chunk, stats)
        logits = F.interpolate(
            classifier(x), size=size, mode='bilinear', align_corners=False)
        preds.append(logits.argmax(dim=1))
    return torch.cat(preds)


def segmentation_scores(pred: torch.Tensor,
                        label: torch.Tensor,
                        num_classes: int,
                        ignore_index: int = 255) -> Dict[str, float]:
    """mmseg's IoUMetric figures, in percent: ``mIoU`` (mean over classes
    present in the labels or the predictions), ``mAcc`` (mean per-class
    accuracy over classes in the labels) and ``aAcc`` (pixel accuracy);
    ``ignore_index`` and out-of-range labels are left out."""
    pred, label = pred.flatten().long(), label.flatten().long().to(
        pred.device)
    valid = (label != ignore_index) & (label >= 0) & (label < num_classes)
    pred, label = pred[valid], label[valid]
    if len(label) == 0:
        return dict(mIoU=float('nan'), mAcc=float('nan'), aAcc=float('nan'))
    inter = torch.bincount(
        label[pred == label], minlength=num_classes)[:num_classes].double()
    area_pred = torch.bincount(
        pred.clamp(0, num_classes - 1),
        minlength=num_classes)[:num_classes].double()
    area_label = torch.bincount(
        label, minlength=num_classes)[:num_classes].double()
    union = area_pred + area_label - inter
    iou = inter[union > 0] / union[union > 0]
    acc = inter[area_label > 0] / area_label[area_label > 0]
    return dict(
        mIoU=100 * iou.mean().item(),
        mAcc=100 * acc.mean().item(),
        aAcc=100 * (inter.sum() / area_label.sum()).item())


def linear_probe_scores(train_feats: torch.Tensor,
                        train_labels: torch.Tensor,
                        val_feats: torch.Tensor,
                        val_labels: torch.Tensor,
                        num_classes: int,
                        ignore_index: int = 255,
                        **fit_kwargs) -> Dict[str, float]:
    """Fit on (train_feats, train_labels), score on the validation pair
    (:func:`segmentation_scores`)."""
    classifier, stats = fit_linear_probe(
        train_feats,
        train_labels,
        num_classes,
        ignore_index=ignore_index,
        **fit_kwargs)
    pred = predict_linear_probe(classifier, stats, val_feats,
                                tuple(val_labels.shape[-2:]))
    return segmentation_scores(pred, val_labels, num_classes, ignore_index)


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
            np.linspace(0, n - 1, min(n, self.max_samples)).round().astype(
                int))
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
                train_feats = self.extract_features(
                    model, imgs, source, level, extract)
                val_feats = self.extract_features(
                    model, val_imgs, source, level, extract)
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
        model = _unwrap(runner.model)
        scores = self.probe(model)
        for key in ('mIoU', 'mAcc', 'aAcc'):
            runner.message_hub.update_scalar(f'train/probe/{key}',
                                             scores[key])
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
        self.resolve(_unwrap(runner.model))  # fail early on a bad level
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
