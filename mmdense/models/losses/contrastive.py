"""Contrastive losses as small pure functions (formulas in the docstrings)."""
import torch
import torch.nn.functional as F

from ..utils.gather import gather_batch


def info_nce(query: torch.Tensor, positive: torch.Tensor,
             negatives: torch.Tensor, temperature: float) -> torch.Tensor:
    """MoCo's InfoNCE with one positive and shared negatives.

    ``query``, ``positive``: (M, D) L2-normalised; ``negatives``: (L, D).
    ``-mean_i log(e_i / (e_i + sum_j exp(q_i.n_j / t)))`` with
    ``e_i = exp(q_i.k_i / t)``
    """
    l_pos = (query * positive).sum(dim=1, keepdim=True)
    l_neg = query @ negatives.t().to(query.dtype)
    logits = torch.cat([l_pos, l_neg], dim=1) / temperature
    labels = torch.zeros(len(logits), dtype=torch.long, device=logits.device)
    return F.cross_entropy(logits.float(), labels)


def soft_cross_entropy(student_logits: torch.Tensor,
                       teacher_logits: torch.Tensor, student_temp: float,
                       teacher_temp: float,
                       center: torch.Tensor) -> torch.Tensor:
    """DINO / SlotCon distillation, per row (last dim = classes):
    ``sum_k -softmax((t - c) / tt)_k * log_softmax(s / ts)_k``; one value per
    row (the caller averages)."""
    log_p = F.log_softmax(student_logits.float() / student_temp, dim=-1)
    target = F.softmax(
        (teacher_logits.float() - center) / teacher_temp, dim=-1)
    return -(target * log_p).sum(dim=-1)


def slot_info_nce(queries: torch.Tensor, keys: torch.Tensor,
                  labels: torch.Tensor, temperature: float) -> torch.Tensor:
    """SlotCon's slot contrast: InfoNCE of each query slot against every key
    slot, its positive at ``labels``, scaled by ``2 t`` as the official
    ``ctr_loss`` does.

    ``queries``: (Q, D) and ``keys``: (M, D), L2-normalised; ``labels``: (Q,)
    long, the index of query i's positive among the keys.
    ``2t * -mean_i log( exp(q_i.k_{l_i} / t) / sum_j exp(q_i.k_j / t) )``
    """
    logits = queries @ keys.t().to(queries.dtype)
    return F.cross_entropy(logits.float() / temperature,
                           labels) * (2 * temperature)


def pixel_consistency(query: torch.Tensor, key: torch.Tensor,
                      positives: torch.Tensor) -> torch.Tensor:
    """PixPro's pixel-to-propagation consistency (``regression_loss`` of
    ``contrast/models/PixPro.py``): ``-2 * mean_n s_n`` with ``s_n =
    sum_ij m_nij q_ni.k_nj / (sum_ij m_nij + 1e-6)``, the mean cosine over
    image n's positive pairs; an image without a positive pair gives
    ``s_n = 0`` and still counts in the mean over the N images.

    ``query``, ``key``: (N, C, L) L2-normalised over C; ``positives``:
    (N, L, L) 0 / 1, rows over the query's cells, columns over the key's.
    """
    cos = torch.bmm(query.transpose(1, 2), key.to(query.dtype)).float()
    per_image = (cos * positives).sum(dim=(1, 2)) / (
        positives.sum(dim=(1, 2)) + 1e-6)
    return -2 * per_image.mean()


def negative_cosine(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """BYOL's regression loss as PixPro's instance branch writes it
    (``PixPro.regression_loss``): ``-2 * mean_n x_n.y_n`` for (N, D)
    L2-normalised ``x``, ``y``."""
    return -2 * (x * y.to(x.dtype)).sum(dim=1).float().mean()


def _detcon_direction(pred, ids, other_all, same_all, other_ids, offset,
                      temperature):
    """One direction of :func:`detcon_contrast` (view a's anchors)."""
    b, m, _ = pred.shape
    g = other_all.shape[0]
    logits_ab = torch.einsum('bmd,gnd->bmgn', pred, other_all) / temperature
    logits_aa = torch.einsum('bmd,gnd->bmgn', pred, same_all) / temperature
    own = torch.zeros(b, g, device=pred.device)
    own[torch.arange(b), torch.arange(b) + offset] = 1.
    own = own[:, None, :, None]  # the anchor's own image in the gathered batch
    same_ab = (ids[:, :, None] == other_ids[:, None, :]).float()
    same_aa = (ids[:, :, None] == ids[:, None, :]).float()
    labels = own * same_ab[:, :, None]  # B, M, G, M
    logits_aa = logits_aa - 1e9 * own * same_aa[:, :, None]
    labels = torch.cat([labels, torch.zeros_like(labels)], 2).view(b, m, -1)
    logits = torch.cat([logits_ab, logits_aa], 2).view(b, m, -1)
    positives = labels.sum(dim=-1)
    labels = labels / positives.clamp(min=1.)[..., None]
    weight = (positives > 1e-3).float() / same_aa.sum(dim=-1)
    ce = -weight * (labels * F.log_softmax(logits, dim=-1)).sum(dim=-1)
    return ce.mean()


def detcon_contrast(pred1: torch.Tensor, pred2: torch.Tensor,
                    target1: torch.Tensor, target2: torch.Tensor,
                    ids1: torch.Tensor, ids2: torch.Tensor,
                    temperature: float) -> torch.Tensor:
    """DetCon's mask contrast (``byol_nce_detcon`` of ``utils/losses.py``),
    both directions summed.

    ``pred*`` (B, M, D): the online predictions of M masks per image of each
    view; ``target*`` (B, M, D): the target projections of the same masks
    (gathered from every process: the negatives span the global batch);
    ``ids*`` (B, M) long: the mask ids.  All vectors are L2-normalised here.
    For an anchor (image b, mask i of view 1) the classes are every target
    mask of both views of the global batch; its positives are the view-2
    masks of image b with its id (the soft label is uniform over them); the
    view-1 masks of image b with its id (itself, duplicates) are removed
    (``-1e9``) and never positives; the same id in another image is a
    negative.  Weight: 0 without a positive, else 1 / (how often its id was
    drawn in its own view); the mean is over all B * M anchors.
    """
    pred1, pred2 = (F.normalize(p.float(), dim=-1) for p in (pred1, pred2))
    target1, offset = gather_batch(
        F.normalize(target1.float(), dim=-1), with_grad=False)
    target2, _ = gather_batch(
        F.normalize(target2.float(), dim=-1), with_grad=False)
    return (_detcon_direction(pred1, ids1, target2, target1, ids2, offset,
                              temperature) +
            _detcon_direction(pred2, ids2, target1, target2, ids1, offset,
                              temperature))
