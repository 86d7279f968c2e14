"""The contrastive losses (InfoNCE, soft cross-entropy, SlotCon's slot
InfoNCE) against hand-computed answers."""
import math

import pytest
import torch

from mmdense.models.losses import info_nce, soft_cross_entropy


def test_info_nce_by_hand():
    q = torch.tensor([[1., 0.], [0., 1.]])
    k = torch.tensor([[1., 0.], [math.sqrt(.5), math.sqrt(.5)]])
    neg = torch.tensor([[0., 1.], [-1., 0.], [0., -1.]])
    t = 0.5
    # row 0: pos 1, negs (0, -1, 0); row 1: pos sqrt(.5), negs (1, 0, -1)
    row0 = -math.log(math.exp(2) / (math.exp(2) + 1 + math.exp(-2) + 1))
    p1 = math.exp(math.sqrt(.5) / t)
    row1 = -math.log(p1 / (p1 + math.exp(2) + 1 + math.exp(-2)))
    assert info_nce(q, k, neg, t).item() == pytest.approx(
        (row0 + row1) / 2, rel=1e-6)


def test_soft_cross_entropy_by_hand():
    s = torch.tensor([[0., math.log(3.)]])  # student softmax (1/4, 3/4) at T=1
    t = torch.tensor([[1., 1.]])
    center = torch.tensor([[0., math.log(3.)]])  # teacher (3/4, 1/4) at T=1
    value = soft_cross_entropy(s, t, 1.0, 1.0, center).item()
    expected = -(0.75 * math.log(0.25) + 0.25 * math.log(0.75))
    assert value == pytest.approx(expected, rel=1e-6)


def test_slot_info_nce_by_hand():
    from mmdense.models.losses import slot_info_nce
    q = torch.tensor([[1., 0.], [0., 1.]])
    k = torch.tensor([[1., 0.], [0., 1.], [-1., 0.]])
    labels = torch.tensor([0, 1])
    # t = 0.5: logits (2, 0, -2) and (0, 2, 0); scaled by 2t = 1
    e2 = math.exp(2.)
    expected = (-math.log(e2 /
                          (e2 + 1 + math.exp(-2.))) - math.log(e2 /
                                                               (e2 + 2))) / 2
    assert slot_info_nce(q, k, labels, 0.5).item() == pytest.approx(
        expected, rel=1e-6)


def test_pixel_consistency_by_hand():
    from mmdense.models.losses import pixel_consistency

    # image 0: query cells (1, 0), (0, 1); key cells (.6, .8), (1, 0);
    # positive pairs (q0, k0) .6, (q0, k1) 1, (q1, k1) 0: mean 1.6 / 3.
    # image 1: no positive pair: 0, and it still counts in the mean.
    q = torch.tensor([[[1., 0.], [0., 1.]], [[1., 0.], [0., 1.]]])
    k = torch.tensor([[[.6, 1.], [.8, 0.]], [[1., 0.], [0., 1.]]])
    pos = torch.tensor([[[1., 1.], [0., 1.]], [[0., 0.], [0., 0.]]])
    expected = -2 * (1.6 / (3 + 1e-6) + 0.) / 2
    assert pixel_consistency(q, k, pos).item() == pytest.approx(
        expected, rel=1e-6)


def test_negative_cosine_by_hand():
    from mmdense.models.losses import negative_cosine
    x = torch.tensor([[1., 0.], [0., 1.]])
    y = torch.tensor([[.6, .8], [.6, .8]])
    assert negative_cosine(x, y).item() == pytest.approx(-2 * .7, rel=1e-6)


def _detcon_inputs():
    pred1 = torch.tensor([[[1., 0.], [0., 1.]]])
    pred2 = torch.tensor([[[1., 0.], [1., 0.]]])
    target1 = torch.tensor([[[1., 0.], [0., 1.]]])
    target2 = torch.tensor([[[0., 1.], [1., 0.]]])
    return pred1, pred2, target1, target2, torch.tensor(
        [[0, 1]]), torch.tensor([[0, 0]])


def test_detcon_contrast_by_hand():
    from mmdense.models.losses import detcon_contrast
    e = math.e
    # view-1 anchors, classes (view-2 targets | view-1 targets), t = 1:
    #  mask 0 (id 0): logits (0, 1 | removed, 0), positives both view-2
    #  masks (id 0 twice): CE = log(2 + e) - .5, weight 1 / 1;
    #  mask 1 (id 1): no view-2 mask has id 1: weight 0.
    # view-2 anchors (id 0, drawn twice: weight 1 / 2 each): logits
    #  (1, 0 | removed, removed), positive view-1 mask 0: CE log(1 + e) - 1.
    expected = (math.log(2 + e) - .5) / 2 + .5 * (math.log(1 + e) - 1)
    assert detcon_contrast(*_detcon_inputs(), 1.).item() == pytest.approx(
        expected, rel=1e-6)


def test_detcon_same_id_in_another_image_is_a_negative():
    from mmdense.models.losses import detcon_contrast
    e = math.e
    twice = [torch.cat([t, t]) for t in _detcon_inputs()]
    # image 1 is a copy of image 0: its masks join every anchor's classes
    # as negatives, its view-1 masks unremoved (only the anchor's own
    # image is), so view-1 mask 0 sees (0, 1, 0, 1 | removed, 0, 1, 0) and
    # a view-2 anchor (1, 0, 1, 0 | removed, removed, 0, 1)
    expected = (math.log(4 + 3 * e) - .5) / 2 + .5 * (math.log(3 + 3 * e) - 1)
    assert detcon_contrast(*twice, 1.).item() == pytest.approx(
        expected, rel=1e-6)
