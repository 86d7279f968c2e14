"""Which parts of two views of an image overlap, and which of their cells
match (the conventions of :mod:`mmdense.structures.views`)."""
from typing import Optional, Tuple

import torch
from torch import Tensor
from torchvision.ops import roi_align

__all__ = ['overlap_coords', 'align_to_overlap', 'cell_centers', 'match_cells']


def _normalise(points: Tensor, box: Tensor) -> Tensor:
    """``(..., 2k)`` source (x, y) points -> normalised coords in ``box``
    (``(N, 4)``, broadcast over the middle dimensions of ``points``)."""
    origin = box[:, :2]
    size = box[:, 2:] - origin
    shape = (len(box), ) + (1, ) * (points.dim() - 2) + (-1, )
    k = points.shape[-1] // 2
    return (points - origin.repeat(1, k).view(shape)) / size.repeat(
        1, k).view(shape)


def overlap_coords(box_a: Tensor,
                   box_b: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """The intersection of two ``(N, 4)`` source boxes, in each box's
    normalised coordinates (before flip).

    Returns ``(coords_a, coords_b, valid)``: ``(N, 4)`` ``[x0, y0, x1, y1]``
    in ``[0, 1]`` relative to box a and to box b, and ``(N,)`` bool, True
    where the intersection has positive area.  Rows that are not valid have
    all-zero coords.
    """
    lo = torch.maximum(box_a[:, :2], box_b[:, :2])
    hi = torch.minimum(box_a[:, 2:], box_b[:, 2:])
    valid = (hi > lo).all(dim=1)
    inter = torch.cat([lo, hi], dim=1)
    coords = [
        torch.where(valid[:, None], _normalise(inter, box), 0.)
        for box in (box_a, box_b)
    ]
    return coords[0], coords[1], valid


def align_to_overlap(x: Tensor,
                     coords: Tensor,
                     flips: Tensor,
                     out_size: Optional[Tuple[int, int]] = None) -> Tensor:
    """Resample the region ``coords`` of each map onto a common grid, in the
    un-flipped (source) orientation (SlotCon's alignment).

    Args:
        x: ``(N, C, H, W)`` maps of one view, in the view's orientation.
        coords: ``(N, 4)`` region, normalised in the view, before flip (as
            :func:`overlap_coords` returns it).
        flips: ``(N,)`` bool, the view's flips.
        out_size: ``(h, w)`` of the result; defaults to ``(H, W)``.

    Returns ``(N, C, h, w)``: ``torchvision.ops.roi_align(aligned=True)``
    over the region (mirrored in x for flipped views), the result mirrored
    back.  After it, cell (i, j) of two views' aligned maps covers the same
    source pixels.
    """
    n, _, h, w = x.shape
    c = coords.to(x.dtype)
    x0 = torch.where(flips, 1 - c[:, 2], c[:, 0])
    x1 = torch.where(flips, 1 - c[:, 0], c[:, 2])
    batch_idx = torch.arange(n, device=x.device, dtype=x.dtype)
    rois = torch.stack([batch_idx, x0 * w, c[:, 1] * h, x1 * w, c[:, 3] * h],
                       dim=1)
    out = roi_align(x, rois, out_size or (h, w), aligned=True)
    return torch.where(flips[:, None, None, None], out.flip(-1), out)


def cell_centers(boxes: Tensor, flips: Tensor, grid_hw: Tuple[int,
                                                              int]) -> Tensor:
    """``(N, H, W, 2)`` source-pixel (x, y) of the center of each cell of an
    ``H x W`` feature grid of a view (box ``(N, 4)``, flip ``(N,)``)."""
    gh, gw = grid_hw
    kw = dict(device=boxes.device, dtype=boxes.dtype)
    u = (torch.arange(gw, **kw) + 0.5) / gw
    v = (torch.arange(gh, **kw) + 0.5) / gh
    u = torch.where(flips[:, None], 1 - u, u)  # N, W
    xs = boxes[:, 0:1] + u * (boxes[:, 2:3] - boxes[:, 0:1])
    ys = boxes[:, 1:2] + v * (boxes[:, 3:4] - boxes[:, 1:2])
    n = len(boxes)
    return torch.stack(
        [xs[:, None, :].expand(n, gh, gw), ys[:, :, None].expand(n, gh, gw)],
        dim=-1)


def match_cells(boxes_a: Tensor, flips_a: Tensor, grid_a: Tuple[int, int],
                boxes_b: Tensor, flips_b: Tensor,
                grid_b: Tuple[int, int]) -> Tuple[Tensor, Tensor]:
    """Which cell of view b covers the center of each cell of view a.

    Returns ``(index, valid)``, both ``(N, Ha * Wa)`` over view a's flattened
    grid (row-major, in view a's orientation): ``index`` (long) into view b's
    flattened grid (in view b's orientation), -1 where the center lies
    outside box b; ``valid`` the bool mask of ``index >= 0``.
    """
    hb, wb = grid_b
    uv = _normalise(
        cell_centers(boxes_a, flips_a, grid_a).flatten(1, 2),
        boxes_b)  # N, Ha*Wa, 2, before b's flip
    valid = ((uv >= 0) & (uv < 1)).all(dim=-1)
    col = (uv[..., 0] * wb).floor().long().clamp(0, wb - 1)
    row = (uv[..., 1] * hb).floor().long().clamp(0, hb - 1)
    col = torch.where(flips_b[:, None], wb - 1 - col, col)
    index = torch.where(valid, row * wb + col, -1)
    return index, valid
