"""PixProHead: the propagation module by hand, the transform layer of the
released scripts, the loss's directions and positives (flip included), the
instance branch, and what has a teacher."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmdense.models.heads import PixelPropagation, PixProHead

# cells a = (1, 0), b = (0, 1), c = (3, 3), d = (-2, 0) of a 1 x 4 map
CELLS = torch.tensor([[1., 0., 3., -2.], [0., 1., 3., 0.]]).view(1, 2, 1, 4)
R = math.sqrt(.5)


def _out(y):
    return y.view(2, 4).t()  # one row per cell


def test_propagation_by_hand():
    # cosines clamped at 0 and squared: a-c .5, b-c .5, c-d 0 (clamped from
    # -.707), a-d 0 (from -1); values are the unit vectors
    y = _out(PixelPropagation(2, gamma=2., transform_layers=0)(CELLS))
    expected = torch.tensor([[1 + .5 * R, .5 * R], [.5 * R, 1 + .5 * R],
                             [.5 + R, .5 + R], [-1., 0.]])
    torch.testing.assert_close(y, expected)
    # gamma 1: a-c weighs .707
    y1 = _out(PixelPropagation(2, gamma=1., transform_layers=0)(CELLS))
    torch.testing.assert_close(y1[0], torch.tensor([1 + R * R, R * R]))


def test_one_transform_layer_is_a_conv_with_bias_and_values_are_unit():
    module = PixelPropagation(2)  # the released scripts: one layer
    g = module.value_transform
    assert isinstance(g, nn.Conv2d) and g.kernel_size == (1, 1)
    assert g.bias is not None
    with torch.no_grad():
        g.weight.copy_(3 * torch.eye(2).view(2, 2, 1, 1))
        g.bias.zero_()
    # a scaled transform changes nothing: the values are L2-normalised
    torch.testing.assert_close(
        module(CELLS),
        PixelPropagation(2, transform_layers=0)(CELLS))
    with pytest.raises(ValueError, match='transform_layers'):
        PixelPropagation(2, transform_layers=3)


def _head(**kw):
    torch.manual_seed(0)
    return PixProHead(in_channels=6, hid_channels=8, out_channels=4, **kw)


def _geometry(n, flip1=False):
    # two views of the same 17 x 17 source crop [0, 9): on a 2 x 2 map each
    # cell is positive with the cell over the same source pixels only
    boxes = torch.tensor([[0., 0., 9., 9.]]).expand(n, 4)
    return dict(
        boxes=torch.stack([boxes, boxes]),
        flips=torch.tensor([[False] * n, [flip1] * n]),
        image_sizes=torch.tensor([[17., 17.]]).expand(n, 2))


def _features(n, size=2, seed=1):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 6, size, size, generator=g) for _ in range(4)]


@pytest.mark.parametrize('flip1', [False, True])
def test_loss_sums_both_directions_on_matching_cells(flip1):
    head = _head().eval()  # BN on running statistics: one fixed projector
    s0, s1, t0, t1 = _features(3)
    losses = head.loss({0: s0, 1: s1}, {0: t0, 1: t1}, _geometry(3, flip1))
    assert set(losses) == {'loss_pixpro'}

    def pred(x):
        return F.normalize(head.propagation(head.projector(x)), dim=1)

    def key(x):
        return F.normalize(head.teacher_projector(x), dim=1)

    # view 1 flipped: its cell (r, 1 - c) shows view 0's cell (r, c)
    def other(x):
        return x.flip(-1) if flip1 else x

    expected = 0.
    for p, k in ((pred(s0), other(key(t1))), (other(pred(s1)), key(t0))):
        cos = (p * k).sum(dim=1)  # N, 2, 2: one positive per cell
        expected += -2 * cos.mean()
    torch.testing.assert_close(losses['loss_pixpro'], expected)


def test_loss_needs_the_source_sizes():
    head = _head()
    s0, s1, t0, t1 = _features(2)
    geometry = _geometry(2)
    del geometry['image_sizes']
    with pytest.raises(ValueError, match='ori_shape'):
        head.loss({0: s0, 1: s1}, {0: t0, 1: t1}, geometry)


def test_instance_branch_and_teachers():
    plain = _head()
    assert [t for t, _ in plain.teacher_pairs()] == [plain.teacher_projector]
    assert not hasattr(plain, 'predictor')  # weight 0: no branch built
    head = _head(instance_loss_weight=.5).eval()
    teachers = [t for t, _ in head.teacher_pairs()]
    assert teachers == [
        head.teacher_projector, head.teacher_instance_projector
    ]
    # the value transform and the predictor have no teacher
    owned = {id(m) for pair in head.teacher_pairs() for m in pair}
    assert id(head.propagation) not in owned
    assert id(head.predictor) not in owned
    s0, s1, t0, t1 = _features(2, size=7)
    losses = head.loss({0: s0, 1: s1}, {0: t0, 1: t1}, _geometry(2))

    def online(x):  # AvgPool2d(7, stride=1) of a 7 x 7 map: its mean
        return F.normalize(
            head.predictor(head.instance_projector(x)).mean(dim=(2, 3)), dim=1)

    def target(x):
        return F.normalize(
            head.teacher_instance_projector(x).mean(dim=(2, 3)), dim=1)

    expected = .5 * (-2 * (online(s0) * target(t1)).sum(1).mean() - 2 *
                     (online(s1) * target(t0)).sum(1).mean())
    torch.testing.assert_close(losses['loss_instance'], expected)


def test_dense_grid_pools_before_the_projector():
    head = _head(dense_grid=2).eval()
    s0, s1, t0, t1 = _features(2, size=4)
    pooled = [F.adaptive_avg_pool2d(x, 2) for x in (s0, s1, t0, t1)]
    torch.testing.assert_close(
        head.loss({
            0: s0,
            1: s1
        }, {
            0: t0,
            1: t1
        }, _geometry(2)),
        head.loss({
            0: pooled[0],
            1: pooled[1]
        }, {
            0: pooled[2],
            1: pooled[3]
        }, _geometry(2)))
