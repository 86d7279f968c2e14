"""The instance-discrimination losses (InfoNCE, NCE, NT-Xent, the cosine
losses of SimSiam and BYOL) against hand-computed values."""
import math

import pytest
import torch
from helpers import cosine

from mmdense.models.losses import info_nce
from mmdense.models.losses.instance import nce_loss, nt_xent
from mmdense.registry import MODELS


# ------------------------------------------------------------------ losses
def test_info_nce_known_answer():
    q = torch.tensor([[1., 0.]])
    k = torch.tensor([[0.6, 0.8]])
    negatives = torch.tensor([[0., 1.], [-1., 0.]])
    # logits / t = [0.6, 0, -1] / 0.5
    expected = -math.log(math.exp(1.2) / (math.exp(1.2) + 1 + math.exp(-2)))
    assert float(info_nce(q, k, negatives, 0.5)) == pytest.approx(expected)


def test_nce_loss_known_answer():
    probs = torch.tensor([[0.5, 0.1, 0.2], [0.05, 0.3, 0.4]])
    n, eps = 4, 1e-7
    k_pn = 2 / n
    total = 0.
    for row in probs.tolist():
        total += math.log(row[0] / (row[0] + k_pn + eps))
        total += sum(math.log(k_pn / (p + k_pn + eps)) for p in row[1:])
    assert float(nce_loss(probs, n)) == pytest.approx(-total / 2, rel=1e-6)


def _nt_xent_by_hand(z1, z2, t):
    views = z1 + z2
    b = len(z1)
    total = 0.
    for i, anchor in enumerate(views):
        pos = (i + b) % (2 * b)
        denom = sum(
            math.exp(cosine(anchor, other) / t)
            for j, other in enumerate(views) if j != i)
        total += -cosine(anchor, views[pos]) / t + math.log(denom)
    return total / (2 * b)


def test_nt_xent_known_answer():
    z1 = [[1., 0.], [0., 2.]]
    z2 = [[0.6, 0.8], [-1., 1.]]
    got = nt_xent(torch.tensor(z1), torch.tensor(z2), temperature=0.5)
    assert float(got) == pytest.approx(_nt_xent_by_hand(z1, z2, 0.5))


def test_cosine_losses_of_simsiam_and_byol_known_answer():
    """mmpretrain's CosineSimilarityLoss (used unchanged by SimSiam and
    BYOL) is -mean cos; BYOL's logged value 2 (l1 + l2) is the paper's
    sum of (2 - 2 cos) minus 4."""
    p = [[1., 0.], [1., 1.]]
    z = [[0., 1.], [1., 3.]]
    loss = MODELS.build(dict(type='CosineSimilarityLoss'))
    got = float(loss(torch.tensor(p), torch.tensor(z)))
    mean_cos = (cosine(p[0], z[0]) + cosine(p[1], z[1])) / 2
    assert got == pytest.approx(-mean_cos)
    byol_paper = sum(2 - 2 * cosine(a, b) for a, b in zip(p, z)) / 2 * 2
    assert 2 * (got + got) == pytest.approx(byol_paper - 4)
