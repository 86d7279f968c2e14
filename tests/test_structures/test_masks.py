"""Masks on a feature grid: the majority owner of each cell (ties to the
lowest id) and the mean feature of each mask, on hand-built masks."""
import torch

from mmdense.structures import majority_cells, pool_masks

# 4 x 4 mask -> 2 x 2 cells of 2 x 2 pixels:
# cell 00: 1 1 / 1 2 -> 1;  cell 01: 1 1 / 3 3 -> tie 1 / 3 -> 1
# cell 10: 0 5 / 5 5 -> 5;  cell 11: 7 0 / 0 7 -> tie 0 / 7 -> 0
MASK = torch.tensor([[[1, 1, 1, 1], [1, 2, 3, 3], [0, 5, 7, 0], [5, 5, 0, 7]]])


def test_majority_with_ties_to_the_lowest_id():
    cells = majority_cells(MASK, (2, 2), num_ids=8)
    assert cells.shape == (1, 8, 4)
    assert cells.sum(dim=1).tolist() == [[1., 1., 1., 1.]]
    assert cells[0].argmax(dim=0).tolist() == [1, 1, 5, 0]


def test_pool_is_the_mean_over_the_mask_s_cells():
    cells = majority_cells(MASK, (2, 2), num_ids=8)
    feats = torch.tensor([[[[1., 2.], [3., 4.]], [[10., 20.], [30., 40.]]]])
    ids = torch.tensor([[1, 5, 0, 6, 1]])  # 6 owns no cell
    pooled = pool_masks(feats, cells, ids)
    assert pooled.tolist() == [[[1.5, 15.], [3., 30.], [4., 40.], [0., 0.],
                                [1.5, 15.]]]


def test_the_grid_must_tile_the_mask():
    import pytest
    with pytest.raises(ValueError, match='multiple of the feature grid'):
        majority_cells(MASK, (3, 3))
