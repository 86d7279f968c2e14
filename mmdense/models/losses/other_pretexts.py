"""Losses of the pretexts borrowed from other modalities, as small pure
functions (formulas in the docstrings): CLIP's symmetric InfoNCE and Deep
Graph InfoMax's discriminator cross-entropy.  (The NSP- / SOP-style patch
pairs use :class:`PatchPairHead` with two classes: BERT's and ALBERT's
2-way softmax cross-entropy.)  See ``docs/other_pretexts.md``."""
import math

import torch
import torch.nn.functional as F

CLIP_MAX_SCALE = 100.0


def clip_logit_scale(logit_scale: torch.Tensor,
                     max_scale: float = CLIP_MAX_SCALE) -> torch.Tensor:
    """``min(exp(t), max_scale)``: CLIP's learnable temperature, its logit
    multiplier clipped at 100 (no gradient to ``t`` beyond the clip)."""
    return logit_scale.float().clamp(max=math.log(max_scale)).exp()


def clip_loss(image: torch.Tensor,
              text: torch.Tensor,
              logit_scale: torch.Tensor,
              max_scale: float = CLIP_MAX_SCALE) -> torch.Tensor:
    """CLIP's symmetric InfoNCE over a batch of N matching pairs.

    ``image``, ``text``: (N, D) L2-normalised; row i of each is a pair.
    With ``s = min(exp(t), max_scale)`` and ``L = s * image @ text.T``::

        loss = ( mean_i CE(L[i, :], i) + mean_j CE(L[:, j], j) ) / 2

    i.e. image -> text over the rows and text -> image over the columns
    (Radford et al. 2021, Fig. 3); ``t`` is initialised to log(1/0.07).
    """
    logits = clip_logit_scale(logit_scale, max_scale) * (
        image.float() @ text.float().t())
    labels = torch.arange(len(logits), device=logits.device)
    return (F.cross_entropy(logits, labels) +
            F.cross_entropy(logits.t(), labels)) / 2


def dgi_loss(positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """Deep Graph InfoMax's binary cross-entropy.

    ``positive``: discriminator logits ``h_i^T W s`` of the real locals
    against their summary; ``negative``: logits ``h~_j^T W s`` of the
    corrupted locals against the same summary; ``D = sigmoid(logit)``::

        loss = -( sum_i log D(h_i, s) + sum_j log(1 - D(h~_j, s)) )
               / (N_pos + N_neg)

    (Velickovic et al. 2019, eq. 1; the reference code's
    ``BCEWithLogitsLoss`` over the concatenated positive and negative
    logits).
    """
    logits = torch.cat([positive.flatten(), negative.flatten()]).float()
    labels = torch.cat([
        torch.ones_like(positive.flatten()),
        torch.zeros_like(negative.flatten())
    ]).float()
    return F.binary_cross_entropy_with_logits(logits, labels)
