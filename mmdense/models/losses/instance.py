"""Instance-discrimination losses as small pure functions (formulas in the
docstrings): InstDisc's NCE and SimCLR's NT-Xent.  MoCo's InfoNCE is
:func:`info_nce` in ``contrastive.py``; SimSiam and BYOL use mmpretrain's
``CosineSimilarityLoss`` unchanged (docs/instance_methods.md)."""
import torch
import torch.nn.functional as F

from ..utils.gather import gather_batch, gather_with_grad  # noqa: F401


def nce_loss(probs: torch.Tensor,
             num_samples: int,
             eps: float = 1e-7) -> torch.Tensor:
    """InstDisc's NCE loss (Wu et al., CVPR 2018, eq. 6; official code).

    ``probs``: (B, K + 1) non-parametric probabilities
    ``P_ij = exp(v_j . f_i / t) / Z``, column 0 the positive (the image's own
    memory entry), columns 1..K the K negatives drawn uniformly, noise
    probability ``Pn = 1 / N`` (``N = num_samples``)::

        -1/B sum_i [ log(P_i0 / (P_i0 + K Pn + eps))
                     + sum_{j>=1} log(K Pn / (P_ij + K Pn + eps)) ]
    """
    k_pn = (probs.shape[1] - 1) / num_samples
    log_pos = torch.log(probs[:, 0] / (probs[:, 0] + k_pn + eps))
    log_neg = torch.log(k_pn / (probs[:, 1:] + k_pn + eps))
    return -(log_pos.sum() + log_neg.sum()) / probs.shape[0]


def nt_xent(z1: torch.Tensor,
            z2: torch.Tensor,
            temperature: float = 0.1) -> torch.Tensor:
    """SimCLR's NT-Xent over all 2N views of the global batch.

    ``z1``, ``z2``: (B, D) embeddings of the two views of this process's B
    images (normalised here).  All processes' embeddings are gathered with
    gradients; the rows of this process are the anchors, every other of the
    2N views is a candidate::

        l_i = -log( exp(s(i, p(i)) / t) / sum_{k != i} exp(s(i, k) / t) )

    with s the cosine similarity and p(i) the other view of image i; the loss
    is the mean of l_i over this process's 2B anchors.  Averaged over W
    processes (as DDP averages gradients) it is exactly the one-process loss
    of the 2N = 2BW views, in value and gradient.
    """
    b = z1.shape[0]
    z1, z2 = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    (all1, offset), (all2, _) = gather_batch(z1), gather_batch(z2)
    keys = torch.cat([all1, all2])  # views 1 of all images, then views 2
    n = keys.shape[0] // 2
    anchors = torch.cat([z1, z2])
    logits = anchors @ keys.t() / temperature
    own = offset + torch.arange(b, device=z1.device)
    self_idx = torch.cat([own, own + n])
    pos_idx = torch.cat([own + n, own])
    is_self = F.one_hot(self_idx, 2 * n).bool()
    logits = logits.float().masked_fill(is_self, float('-inf'))
    return F.cross_entropy(logits, pos_idx)
