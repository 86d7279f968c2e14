"""Which parts of two views of an image overlap, and which of their cells
match (the conventions of :mod:`mmdense.structures.views`; PixPro's own
convention in :func:`pixpro_coords`)."""
from typing import Optional, Tuple

import torch
from torch import Tensor
from torchvision.ops import roi_align

__all__ = [
    'overlap_coords', 'align_to_overlap', 'cell_centers', 'match_cells',
    'pixpro_coords', 'distance_positives'
]


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


def pixpro_coords(boxes: Tensor, flips: Tensor, image_hw: Tensor) -> Tensor:
    """A view's crop in PixPro's convention (``contrast/data/
    transform_coord.py``): ``(N, 4)`` ``[x_a, y_a, x_b, y_b]``, the first
    and last pixel of the crop (``j`` and ``j + w - 1``) divided by
    ``width - 1`` in x and ``height - 1`` in y of the source image, with
    ``x_a`` and ``x_b`` swapped for a flipped view (x then runs backwards
    across its feature map).

    Args:
        boxes: ``(N, 4)`` pixel-edge boxes (:mod:`mmdense.structures.views`:
            the crop of columns j..j+w-1 is ``x0 = j, x1 = j + w``).
        flips: ``(N,)`` bool.
        image_hw: ``(N, 2)`` the source images' ``(height, width)``.
    """
    b = boxes.to(image_hw.dtype)
    hm1, wm1 = image_hw[:, 0] - 1, image_hw[:, 1] - 1
    first_x, last_x = b[:, 0] / wm1, (b[:, 2] - 1) / wm1
    first_y, last_y = b[:, 1] / hm1, (b[:, 3] - 1) / hm1
    return torch.stack([
        torch.where(flips, last_x, first_x), first_y,
        torch.where(flips, first_x, last_x), last_y
    ],
                       dim=1)


def distance_positives(coord_q: Tensor, coord_k: Tensor,
                       grid_hw: Tuple[int, int], pos_ratio: float) -> Tensor:
    """PixPro's positive pixel pairs (``regression_loss`` of
    ``contrast/models/PixPro.py``): cell i of view q and cell j of view k
    are positive when the distance of their centers, in the normalised
    source coordinates of :func:`pixpro_coords`, is below ``pos_ratio``
    times the larger of the two views' cell diagonals.

    Args:
        coord_q, coord_k: ``(N, 4)`` as :func:`pixpro_coords` returns.
        grid_hw: ``(H, W)`` of both views' feature maps.
        pos_ratio: the threshold (0.7 in the released scripts).

    Returns ``(N, H * W, H * W)`` float 0 / 1, rows over view q's cells and
    columns over view k's (row-major, each in its view's orientation).
    """
    h, w = grid_hw
    kw = dict(dtype=coord_q.dtype, device=coord_q.device)
    col = (torch.arange(w, **kw) + 0.5).repeat(h)  # H*W, row-major
    row = (torch.arange(h, **kw) + 0.5).repeat_interleave(w)

    def centers_and_diag(coord):
        bin_w = ((coord[:, 2] - coord[:, 0]) / w)[:, None]
        bin_h = ((coord[:, 3] - coord[:, 1]) / h)[:, None]
        xs = col * bin_w + coord[:, 0:1]
        ys = row * bin_h + coord[:, 1:2]
        return xs, ys, torch.sqrt(bin_w**2 + bin_h**2)

    xq, yq, diag_q = centers_and_diag(coord_q)
    xk, yk, diag_k = centers_and_diag(coord_k)
    dist = torch.sqrt((xq[:, :, None] - xk[:, None, :])**2 +
                      (yq[:, :, None] - yk[:, None, :])**2)
    dist = dist / torch.maximum(diag_q, diag_k)[:, :, None]
    return (dist < pos_ratio).to(coord_q.dtype)
