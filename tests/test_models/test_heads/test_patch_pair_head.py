"""PatchPairHead: the 8-way (context prediction) and binary (NSP- / SOP-style)
losses are cross-entropies, worked out by hand."""
import math

import pytest
import torch
from helpers import log_softmax_at

from mmdense.registry import MODELS


def test_context_prediction_loss_is_cross_entropy():
    head = MODELS.build(
        dict(
            type='PatchPairHead',
            in_channels=2,
            hid_channels=(),
            num_classes=3))
    with torch.no_grad():  # logits = [a0 + b0, a1 - b1, 2 a0]
        head.classifier.weight.copy_(
            torch.tensor([[1., 0, 1, 0], [0, 1, 0, -1], [2, 0, 0, 0]]))
        head.classifier.bias.zero_()
    first = torch.tensor([[0.5, 1.0], [2.0, -1.0]])
    second = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([2, 1])
    rows = [[1.5, 1.0, 1.0], [2.0, -2.0, 4.0]]
    expected = sum(-r[y] + math.log(sum(math.exp(v) for v in r))
                   for r, y in zip(rows, [2, 1])) / 2
    out = head.loss(first, second, labels)
    assert float(out['loss']) == pytest.approx(expected, abs=1e-6)
    assert float(out['acc']) == 0.0  # argmax: 0 (row 1), 2 (row 2)


# ------------------------------------------------------------ patch pairs
def test_binary_pair_loss_known_answer():
    from mmdense.models.heads.patch_pair_head import PatchPairHead
    head = PatchPairHead(in_channels=1, hid_channels=(), num_classes=2)
    with torch.no_grad():  # logits = [x1 - x2, 2 x2]
        head.classifier.weight.copy_(torch.tensor([[1., -1.], [0., 2.]]))
        head.classifier.bias.zero_()
    first, second = torch.tensor([[1.], [0.]]), torch.tensor([[2.], [-1.]])
    labels = torch.tensor([1, 0])
    rows = [[-1., 4.], [1., -2.]]
    want = -sum(log_softmax_at(r, int(y)) for r, y in zip(rows, labels)) / 2
    out = head.loss(first, second, labels)
    assert out['loss'].item() == pytest.approx(want, rel=1e-6)
    assert out['acc'].item() == 1.0
