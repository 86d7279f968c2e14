"""The losses of the pretexts from other modalities (CLIP-style
image-caption contrast, DGI-style corruption) against values computed here
by hand."""
import math

import pytest
import torch
from helpers import log_softmax_at, sigmoid

from mmdense.models.losses.other_pretexts import clip_loss, dgi_loss


# ------------------------------------------------------------------ CLIP
def _clip_by_hand(img, txt, scale):
    n = len(img)
    logits = [[
        scale * sum(a * b for a, b in zip(img[i], txt[j])) for j in range(n)
    ] for i in range(n)]
    rows = -sum(log_softmax_at(logits[i], i) for i in range(n)) / n
    cols = -sum(
        log_softmax_at([logits[i][j] for i in range(n)], j)
        for j in range(n)) / n
    return rows, cols


def test_clip_loss_both_directions_and_temperature():
    # 3 pairs whose similarity matrix is not symmetric: rows != columns
    img = [[1., 0.], [0., 1.], [0.6, 0.8]]
    txt = [[0.8, 0.6], [0., 1.], [0.6, -0.8]]
    rows, cols = _clip_by_hand(img, txt, 1 / 0.07)
    assert abs(rows - cols) > 0.1  # the two directions really differ
    got = clip_loss(
        torch.tensor(img), torch.tensor(txt), torch.tensor(math.log(1 / 0.07)))
    assert got.item() == pytest.approx((rows + cols) / 2, rel=1e-5)
    # another temperature, another value
    rows2, cols2 = _clip_by_hand(img, txt, 2.0)
    got2 = clip_loss(
        torch.tensor(img), torch.tensor(txt), torch.tensor(math.log(2.0)))
    assert got2.item() == pytest.approx((rows2 + cols2) / 2, rel=1e-5)


def test_clip_logit_scale_is_clipped_at_100():
    img, txt = [[1., 0.], [0.6, 0.8]], [[0.8, 0.6], [0., 1.]]
    rows, cols = _clip_by_hand(img, txt, 100.)
    t = torch.tensor(math.log(500.), requires_grad=True)
    got = clip_loss(torch.tensor(img), torch.tensor(txt), t)
    assert got.item() == pytest.approx((rows + cols) / 2, rel=1e-5)
    got.backward()
    assert t.grad.item() == 0  # beyond the clip, no push further up


def test_dgi_loss_known_answer():
    pos, neg = [2.0, -1.0], [0.5, -3.0, 0.0]
    want = -(sum(math.log(sigmoid(v))
                 for v in pos) + sum(math.log(1 - sigmoid(v))
                                     for v in neg)) / 5
    got = dgi_loss(torch.tensor(pos), torch.tensor(neg))
    assert got.item() == pytest.approx(want, rel=1e-6)
