"""DetConHead: Haiku-initialised MLPs, the mask ids it draws, the same ids
for the online and target networks, and what has a teacher."""
import math

import pytest
import torch
import torch.nn as nn

from mmdense.models.heads import DetConHead
from mmdense.models.losses import detcon_contrast
from mmdense.structures import majority_cells, pool_masks


def _head(**kw):
    torch.manual_seed(0)
    return DetConHead(
        in_channels=6, hid_channels=8, out_channels=4, num_masks=3, **kw)


def test_mlps_are_byol_s_with_haiku_init():
    head = DetConHead(in_channels=512, hid_channels=1024, out_channels=64)
    fc0, fc1 = [m for m in head.projector if isinstance(m, nn.Linear)]
    assert fc0.bias is not None and fc1.bias is None
    assert (fc0.bias == 0).all()
    bound = 2 / math.sqrt(512)  # truncated at two standard deviations
    assert fc0.weight.abs().max() <= bound
    # a normal cut at +-2 sigma keeps 0.88 of its standard deviation
    assert fc0.weight.std().item() == pytest.approx(
        0.88 / math.sqrt(512), rel=0.02)
    assert isinstance(head.projector[1], nn.BatchNorm1d)
    assert [t for t, _ in head.teacher_pairs()] == [head.teacher_projector]
    owned = {id(m) for pair in head.teacher_pairs() for m in pair}
    assert id(head.predictor) not in owned


def test_ids_are_drawn_among_the_masks_that_own_a_cell():
    head = _head()
    mask = torch.tensor([[[1, 1, 1, 1], [1, 2, 3, 3], [0, 5, 7, 0],
                          [5, 5, 0, 7]]])  # owners 1, 1, 5, 0
    cells = majority_cells(mask, (2, 2), num_ids=8)
    head.num_masks = 3000
    ids = head.sample_ids(cells)
    values, counts = ids.unique(return_counts=True)
    assert values.tolist() == [0, 1, 5]
    assert counts.min() > 900  # uniform over the three, with replacement


def test_loss_pools_the_same_ids_online_and_target():
    head = _head().eval()
    g = torch.Generator().manual_seed(1)
    feats = [torch.randn(2, 6, 2, 2, generator=g) for _ in range(4)]
    masks = torch.randint(0, 4, (2, 2, 8, 8), generator=g)
    torch.manual_seed(5)
    losses = head.loss({
        0: feats[0],
        1: feats[1]
    }, {
        0: feats[2],
        1: feats[3]
    }, dict(masks=masks))
    torch.manual_seed(5)
    preds, targets, ids = [], [], []
    for v in (0, 1):
        cells = majority_cells(masks[v], (2, 2), 256)
        ids.append(head.sample_ids(cells))

        def project(mlp, x):
            return mlp(x.flatten(0, 1)).view(2, 3, -1)

        preds.append(
            project(
                head.predictor,
                project(head.projector, pool_masks(feats[v], cells, ids[v]))))
        targets.append(
            project(head.teacher_projector,
                    pool_masks(feats[2 + v], cells, ids[v])))
    expected = detcon_contrast(*preds, *targets, *ids, 0.1)
    torch.testing.assert_close(losses['loss_detcon'], expected)


def test_loss_needs_the_view_masks():
    head = _head()
    x = torch.randn(2, 6, 2, 2)
    with pytest.raises(ValueError, match='view_masks'):
        head.loss({0: x, 1: x}, {0: x, 1: x}, dict(boxes=None))
