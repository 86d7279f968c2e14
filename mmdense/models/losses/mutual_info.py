"""Mutual-information estimators of Deep InfoMax and CPC as small pure
functions (formulas in the docstrings).

Scores are raw dot products, as in the papers' "encode-and-dot-product"
critics; ``scores[i, j, p]`` is the score of global vector ``i`` against the
local feature at position ``p`` of image ``j``, and ``positive[i]`` is the
image ``j`` that global ``i`` comes from (``i + offset`` in a gathered batch).
"""
import math

import torch
import torch.nn.functional as F

LOG2 = math.log(2.0)


def _split_positive(scores: torch.Tensor, positive: torch.Tensor):
    """(N, M, L) scores -> positive (N, L) and a (N, M, 1) positive mask."""
    n, m, _ = scores.shape
    mask = torch.zeros(n, m, 1, dtype=torch.bool, device=scores.device)
    mask[torch.arange(n, device=scores.device), positive] = True
    pos = scores[torch.arange(n, device=scores.device), positive]
    return pos, mask


def dim_jsd(scores: torch.Tensor, positive: torch.Tensor) -> torch.Tensor:
    """Deep InfoMax's Jensen-Shannon estimator, as a loss (to minimise).

    With ``sp = softplus``, positives ``u+`` (the global's own image, every
    location) and negatives ``u-`` (every location of every other image)::

        E+ = mean(log 2 - sp(-u+)),  E- = mean(sp(-u-) + u- - log 2)
        loss = E- - E+ = mean(sp(-u+)) + mean(sp(u-)) - 2 log 2

    which is the official code's value (``E_neg - E_pos`` with its
    ``log 2`` terms): 0 when every score is 0, and ``-loss`` is the JSD
    mutual-information estimate.  Without the ``2 log 2`` it is the binary
    cross-entropy ("softplus") form, same gradient.
    """
    pos, mask = _split_positive(scores.float(), positive)
    neg = scores.float().masked_select(~mask.expand_as(scores))
    e_pos = (LOG2 - F.softplus(-pos)).mean()
    e_neg = (F.softplus(-neg) + neg - LOG2).mean()
    return e_neg - e_pos


def dim_infonce(scores: torch.Tensor,
                positive: torch.Tensor,
                self_score: float = -10.0) -> torch.Tensor:
    """Deep InfoMax's InfoNCE estimator, as a loss.

    Each positive pair (global ``i``, its own location ``p``) is classified
    against every location ``q`` of every image ``j`` of the batch, with the
    global fixed; the candidates from the global's own image are kept with
    the constant score ``self_score`` (-10 in the official code) instead of
    being dropped::

        neg_i = {u[i, j, q] : j != pos(i)} + {self_score : q of pos(i)}
        loss = mean_{i, p} -log( e^{u[i, pos(i), p]} /
                                 (e^{u[i, pos(i), p]} + sum_{v in neg_i} e^v) )
             = mean_{i, p} softplus(logsumexp(neg_i) - u[i, pos(i), p])
    """
    scores = scores.float()
    pos, mask = _split_positive(scores, positive)
    neg = scores.masked_fill(mask, self_score).flatten(1)
    return F.softplus(torch.logsumexp(neg, dim=1, keepdim=True) - pos).mean()


def cpc_info_nce(preds: torch.Tensor, targets: torch.Tensor,
                 labels: torch.Tensor) -> torch.Tensor:
    """CPC's InfoNCE: prediction ``m`` must pick its own target out of every
    target of the batch (the other patches are the negatives)::

        loss = mean_m -log softmax_n(preds[m] . targets[n])[labels[m]]

    ``preds`` (M, D), ``targets`` (T, D), ``labels`` (M,) indices into T.
    """
    logits = preds.float() @ targets.float().t()
    return F.cross_entropy(logits, labels)
