"""Image masks on a feature grid (DetCon): which mask owns each cell, and
the mean feature of each mask."""
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ['majority_cells', 'pool_masks']


def majority_cells(masks: Tensor,
                   grid_hw: Tuple[int, int],
                   num_ids: int = 256) -> Tensor:
    """The hard mask of each cell of an ``h x w`` grid over ``(N, H, W)``
    integer masks (ids ``0..num_ids-1``): each cell belongs to the id that
    covers most of its ``H/h x W/w`` pixels, ties to the lowest id (DetCon's
    ``create_binary_mask``: one-hot, average pool, argmax).

    Returns ``(N, num_ids, h * w)`` float 0 / 1 (cells row-major), one 1 per
    cell.
    """
    n, height, width = masks.shape
    h, w = grid_hw
    if height % h or width % w:
        raise ValueError(f'a {height}x{width} mask does not tile a {h}x{w} '
                         'grid: the view size must be a multiple of the '
                         'feature grid (the backbone stride)')
    kh, kw = height // h, width // w
    rows = torch.arange(height, device=masks.device) // kh
    cols = torch.arange(width, device=masks.device) // kw
    cell = (rows[:, None] * w + cols[None, :]).flatten()  # H*W
    key = cell[None] * num_ids + masks.flatten(1).long()
    counts = torch.zeros(n, h * w * num_ids, device=masks.device)
    counts.scatter_add_(1, key, torch.ones_like(key, dtype=counts.dtype))
    owner = counts.view(n, h * w, num_ids).argmax(dim=-1)  # first max
    return F.one_hot(owner, num_ids).transpose(1, 2).float()


def pool_masks(feats: Tensor, cells: Tensor, ids: Tensor) -> Tensor:
    """The mean feature over the cells of each chosen mask: ``feats``
    ``(N, C, h, w)``, ``cells`` ``(N, num_ids, h * w)`` from
    :func:`majority_cells`, ``ids`` ``(N, M)`` long.  Returns ``(N, M, C)``:
    ``sum(cells * feats) / max(#cells, 1)`` (DetCon: no eps)."""
    chosen = cells.gather(1, ids[..., None].expand(-1, -1, cells.shape[-1]))
    chosen = chosen / chosen.sum(dim=-1, keepdim=True).clamp(min=1.)
    return torch.bmm(chosen.to(feats.dtype), feats.flatten(2).transpose(1, 2))
