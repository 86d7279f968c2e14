"""VICRegLHead: location grids with and without the flip (non-integer boxes:
no ties), the loss's weighting, no teacher."""
import pytest
import torch

from mmdense.models.heads import VICRegLHead
from mmdense.models.losses import nearest_matches


def _head(**kw):
    torch.manual_seed(0)
    return VICRegLHead(
        in_channels=6, mlp='8-8', maps_mlp='4-4', num_matches=(2, 1), **kw)


def _geometry(flip_b):
    # view a: the source square [0, 64); view b: [8.5, 68.5) x [3.25, 63.25)
    return dict(
        boxes=torch.tensor([[[0., 0., 64., 64.]], [[8.5, 3.25, 68.5, 63.25]]]),
        flips=torch.tensor([[False], [flip_b]]))


@pytest.mark.parametrize('flip_grid,expected', [(False, [11., 13.]),
                                                (True, [10., 12.])])
def test_location_matching_of_a_flipped_view(flip_grid, expected):
    # 2 x 2 cells. a: centers x, y in (16, 48). b: x (23.5, 53.5), y (18.25,
    # 48.25) before its flip. Nearest b cell of each a cell at distances
    # 7.83, 5.94, 7.50, 5.51: the 2 kept are a's cells 1 and 3.  Grids that
    # ignore the flip (the default) pair them with b's cells 1 and 3 as if
    # b were not flipped (mirrored positions); flip-aware grids with b's
    # cells 0 and 2, which show the same source pixels.
    head = _head(flip_grid=flip_grid)
    geometry = _geometry(flip_b=True)
    loc_a, loc_b = (head.locations(geometry, v, (2, 2)) for v in (0, 1))
    a = torch.arange(4.).view(1, 4, 1)
    kept, matched = nearest_matches(a, a + 10, torch.cdist(loc_a, loc_b), 2)
    assert kept.flatten().tolist() == [1., 3.]
    assert matched.flatten().tolist() == expected
    # an unflipped b matches as the flip-ignoring grids do
    plain = _geometry(flip_b=False)
    loc_b = head.locations(plain, 1, (2, 2))
    _, matched = nearest_matches(a, a + 10, torch.cdist(loc_a, loc_b), 2)
    assert matched.flatten().tolist() == [11., 13.]


def test_loss_weights_and_no_teacher():
    head = _head()
    assert head.teacher_views == () and head.teacher_pairs() == []
    g = torch.Generator().manual_seed(0)
    feats = {v: torch.randn(4, 6, 2, 2, generator=g) for v in (0, 1)}
    geometry = dict(
        boxes=torch.tensor([[[0., 0., 64., 64.]] * 4,
                            [[8.5, 3.25, 68.5, 63.25]] * 4]),
        flips=torch.zeros(2, 4, dtype=torch.bool))
    losses = head.loss(feats, {}, geometry)
    glob = losses['global_inv'] + losses['global_var'] + losses['global_cov']
    local = losses['local_inv'] + losses['local_var'] + losses['local_cov']
    torch.testing.assert_close(losses['loss_global'], .75 * glob)
    torch.testing.assert_close(losses['loss_local'], .25 * local)
    head.alpha = 1.
    assert head.loss(feats, {}, geometry)['loss_local'].item() == 0.
