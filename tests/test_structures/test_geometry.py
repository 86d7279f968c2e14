"""The model-side geometry utilities (mmdense.structures): known answers
computed independently of the code under test."""
import numpy as np
import pytest
import torch

from mmdense.structures import (align_to_overlap, cell_centers, match_cells,
                                overlap_coords, views_geometry)


def test_views_geometry_names_the_missing_meta_keys():
    from mmpretrain.structures import DataSample
    with pytest.raises(KeyError, match='meta_keys'):
        views_geometry([DataSample()])


# ------------------------------------------------------- model-side geometry
def test_overlap_coords_known_answers():
    a = torch.tensor([[0., 0., 100., 100.], [0., 0., 10., 10.]])
    b = torch.tensor([[50., 20., 150., 120.], [20., 0., 30., 10.]])
    ca, cb, valid = overlap_coords(a, b)
    torch.testing.assert_close(ca[0], torch.tensor([0.5, 0.2, 1., 1.]))
    torch.testing.assert_close(cb[0], torch.tensor([0., 0., 0.5, 0.8]))
    assert valid.tolist() == [True, False]
    assert (ca[1] == 0).all() and (cb[1] == 0).all()


def blocky_source(channels=3, blocks=8, block=8, seed=0):
    """A (C, 64, 64) map constant on 8x8 blocks, and its block values."""
    values = torch.randn(
        channels,
        blocks,
        blocks,
        generator=torch.Generator().manual_seed(seed))
    return values.repeat_interleave(block, 1).repeat_interleave(block,
                                                                2), values


def view_of(source, box, factor, flip):
    """Crop ``box`` (source pixels), downsample by an integer factor
    (exact on the blocks), mirror when ``flip``."""
    x0, y0, x1, y1 = box
    view = torch.nn.functional.avg_pool2d(source[None, :, y0:y1, x0:x1],
                                          factor)[0]
    return view.flip(-1) if flip else view


@pytest.mark.parametrize('out_scale', [1, 2])
def test_align_to_overlap_recovers_the_source_overlap(out_scale):
    source, values = blocky_source()
    box_a, box_b = (0, 8, 48, 40), (16, 16, 64, 64)  # overlap (16,16,48,40)
    expected = values[:, 2:5, 2:6]  # its blocks: rows 2..4, columns 2..5
    expected = expected.repeat_interleave(out_scale,
                                          1).repeat_interleave(out_scale, 2)
    flips_a = torch.tensor([False, True, False, True])
    flips_b = torch.tensor([False, False, True, True])
    xa = torch.stack([view_of(source, box_a, 2, f) for f in flips_a])
    xb = torch.stack([view_of(source, box_b, 4, f) for f in flips_b])
    ca, cb, valid = overlap_coords(
        torch.tensor([box_a] * 4, dtype=torch.float32),
        torch.tensor([box_b] * 4, dtype=torch.float32))
    assert valid.all()
    out_size = (3 * out_scale, 4 * out_scale)
    aligned_a = align_to_overlap(xa, ca, flips_a, out_size)
    aligned_b = align_to_overlap(xb, cb, flips_b, out_size)
    for aligned in (aligned_a, aligned_b):
        torch.testing.assert_close(
            aligned, expected.expand(4, -1, -1, -1), atol=1e-5, rtol=0)


def test_align_to_overlap_defaults_to_the_input_size():
    x = torch.randn(2, 5, 7, 9)
    coords = torch.tensor([[0., 0., 1., 1.]] * 2)
    out = align_to_overlap(x, coords, torch.tensor([False, True]))
    assert out.shape == x.shape
    torch.testing.assert_close(out[0], x[0])  # whole view: identity
    torch.testing.assert_close(out[1], x[1].flip(-1))  # un-flipped


def test_cell_centers_known_answers():
    boxes = torch.tensor([[10., 20., 50., 40.]] * 2)
    centers = cell_centers(boxes, torch.tensor([False, True]), (2, 4))
    assert centers.shape == (2, 2, 4, 2)
    assert centers[0, :, :, 0].tolist() == [[15., 25., 35., 45.]] * 2
    assert centers[1, :, :, 0].tolist() == [[45., 35., 25., 15.]] * 2
    assert centers[:, :, :, 1].tolist() == [[[25.] * 4, [35.] * 4]] * 2


def grid_index(rows, cols, width):
    return (np.asarray(rows)[:, None] * width + np.asarray(cols)[None]).ravel()


def test_match_cells_flipped_copy_and_right_half():
    h, w = 3, 4
    box = torch.tensor([[0., 0., 100., 90.]])
    # the same box, flipped: cell (i, j) -> (i, w - 1 - j)
    index, valid = match_cells(box, torch.tensor([False]), (h, w), box,
                               torch.tensor([True]), (h, w))
    assert valid.all()
    assert index[0].tolist() == grid_index(range(h), range(w - 1, -1, -1),
                                           w).tolist()
    # b is the right half of a, with a grid of half the width
    full = torch.tensor([[0., 0., 100., 90.]] * 2)
    right = torch.tensor([[50., 0., 100., 90.]] * 2)
    flips_b = torch.tensor([False, True])
    index, valid = match_cells(full, torch.tensor([False, False]), (h, w),
                               right, flips_b, (h, 2))
    expected_valid = np.tile([False, False, True, True], h)
    assert (valid.numpy() == expected_valid).all()
    assert (index[~valid] == -1).all()
    assert index[0][valid[0]].tolist() == grid_index(range(h), [0, 1],
                                                     2).tolist()
    assert index[1][valid[1]].tolist() == grid_index(range(h), [1, 0],
                                                     2).tolist()
    # and back: every cell of the right half lies in columns 2, 3 of a
    index, valid = match_cells(right, flips_b, (h, 2), full,
                               torch.tensor([False, False]), (h, w))
    assert valid.all()
    assert index[0].tolist() == grid_index(range(h), [2, 3], w).tolist()
    assert index[1].tolist() == grid_index(range(h), [3, 2], w).tolist()
