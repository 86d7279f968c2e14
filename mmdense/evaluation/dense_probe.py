"""Maths of the training signals (``docs/monitors.md``), free of runners
and hooks: SimSiam's collapse measure of projector embeddings and the dense
linear probe (a 1x1-conv classifier trained on frozen features and scored
with mmseg's IoU figures), used by the CollapseMonitorHook and the
DenseProbeHook and by ``tools/analysis_tools``.
"""
import contextlib
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = [
    'collapse_std', 'projector_embeddings', 'frozen_eval', 'soft_labels',
    'fit_linear_probe', 'predict_linear_probe', 'segmentation_scores',
    'linear_probe_scores'
]


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
            len(chunk),
            num_classes + 1,
            *chunk.shape[-2:],
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
    pred, label = pred.flatten().long(), label.flatten().long().to(pred.device)
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
