"""VICReg's variance, invariance and covariance terms, global and local
(VICRegL), and VICRegL's matching of feature-map cells, as small pure
functions (formulas in the docstrings; ``main_vicregl.py`` of the official
code)."""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ..utils.gather import gather_batch


def gather_center(x: Tensor) -> Tensor:
    """Every process's rows (dim 0; gradients flow back to each process's
    own rows), minus their mean over dim 0 (``utils.gather_center``)."""
    x, _ = gather_batch(x)
    return x - x.mean(dim=0)


def variance_term(x: Tensor) -> Tensor:
    """``mean(relu(1 - sqrt(var_0(x) + 1e-4)))``: the hinge on the standard
    deviation over dim 0 (the batch) of every other index (unbiased
    variance, as ``Tensor.var``)."""
    return F.relu(1. - torch.sqrt(x.var(dim=0) + 1e-4)).mean()


def _off_diagonal_sq_sum(cov: Tensor) -> Tensor:
    """Sum over the off-diagonal entries of the last two dims, squared."""
    c = cov.shape[-1]
    mask = ~torch.eye(c, dtype=torch.bool, device=cov.device)
    return cov[..., mask].pow(2).sum(-1)


def vicreg_global(embeddings: List[Tensor], inv_coeff: float, var_coeff: float,
                  cov_coeff: float) -> Tuple[Tensor, Tensor, Tensor]:
    """VICRegL's global loss over V views' ``(N, D)`` embeddings
    (``global_loss``): invariance ``inv_coeff * mean of MSE(z_i, z_j)`` over
    the pairs with i in (0, 1) and j != i; variance and covariance of each
    view's gathered, centered embeddings averaged over all V views:
    ``var_coeff * mean_v variance_term`` and ``cov_coeff * mean_v
    sum_offdiag(C_v^2) / D`` with ``C_v = z^T z / (n - 1)``."""
    pairs = [(i, j) for i in range(2) for j in range(len(embeddings))
             if j != i]
    inv = sum(F.mse_loss(embeddings[i], embeddings[j]) for i, j in pairs)
    var = cov = 0.
    for z in embeddings:
        z = gather_center(z)
        var = var + variance_term(z)
        c = z.T @ z / (z.shape[0] - 1)
        cov = cov + _off_diagonal_sq_sum(c) / z.shape[1]
    v = len(embeddings)
    return (inv_coeff * inv / len(pairs), var_coeff * var / v,
            cov_coeff * cov / v)


def vicreg_local(x: Tensor, y: Tensor, inv_coeff: float, var_coeff: float,
                 cov_coeff: float) -> Tuple[Tensor, Tensor, Tensor]:
    """VICReg on matched cells (``_vicreg_loss``): ``x``, ``y`` ``(N, K, C)``,
    cell k of x matched with cell k of y.  Invariance ``inv_coeff *
    MSE(x, y)``; then both gathered and centered over the batch, per kept
    slot k: variance ``var_coeff * (variance_term(x) + variance_term(y)) /
    2`` (std over the batch of each (k, c)) and covariance ``cov_coeff *
    mean_k (sum_offdiag(C_xk^2) + sum_offdiag(C_yk^2)) / (2 C)`` with
    ``C_xk`` the (C, C) covariance over the batch of slot k."""
    inv = inv_coeff * F.mse_loss(x, y)
    x, y = gather_center(x), gather_center(y)
    var = var_coeff * (variance_term(x) / 2 + variance_term(y) / 2)
    cov = 0.
    for z in (x, y):
        z = z.transpose(0, 1)  # K, N, C
        z = z - z.mean(dim=-2, keepdim=True)
        c = torch.einsum('knc,knd->kcd', z, z) / (z.shape[1] - 1)
        cov = cov + _off_diagonal_sq_sum(c) / z.shape[-1] / 2
    return inv, var, cov_coeff * cov.mean()


def nearest_matches(inputs: Tensor, candidates: Tensor, distances: Tensor,
                    num_matches: Optional[int]) -> Tuple[Tensor, Tensor]:
    """VICRegL's ``neirest_neighbores``: each input cell's nearest candidate
    cell (``distances`` ``(N, L_in, L_cand)``, top-1 smallest), then the
    ``num_matches`` input cells (all for None) with the smallest such
    distance, kept in cell order.  Returns the kept input cells and their
    nearest candidates, ``(N, num_matches, C)`` each.  Which of equal
    distances is kept depends on ``torch.sort``'s order, as in the official
    code."""
    n, length = distances.shape[:2]
    k = length if num_matches is None or num_matches == -1 else num_matches
    if k > length:
        raise ValueError(f'num_matches={k} but a map has only {length} cells: '
                         'lower num_matches or use larger crops')
    nn_dist, nn_idx = distances.topk(k=1, largest=False)
    nn_dist, nn_idx = nn_dist.squeeze(-1), nn_idx.squeeze(-1)
    _, order = torch.sort(nn_dist, dim=1)
    _, rank = torch.sort(order, dim=1)  # the rank of each cell's distance
    keep = rank < k  # N, L_in; k per row, taken in cell order
    cells = torch.arange(length, device=distances.device).expand(n, -1)
    kept = cells[keep].view(n, k)
    matched = nn_idx[keep].view(n, k)

    def take(t, idx):
        return t.gather(1, idx[..., None].expand(-1, -1, t.shape[-1]))

    return take(inputs, kept), take(candidates, matched)
