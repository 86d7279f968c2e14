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
