"""Deep InfoMax's estimators (JSD, InfoNCE) against numbers worked out here."""
import math

import pytest
import torch


def softplus(x):
    return math.log1p(math.exp(x))


# ------------------------------------------------------------ Deep InfoMax
# scores[i, j, p]: global i against location p of image j (2 images, 3 locs)
SCORES = torch.tensor([[[1.0, -0.5, 2.0], [0.3, -1.2, 0.0]],
                       [[-0.7, 0.4, 1.5], [2.2, 0.1, -0.3]]])


def test_dim_jsd_known_answer():
    from mmdense.models.losses.mutual_info import dim_jsd
    s = SCORES.tolist()
    pos = [s[i][i][p] for i in range(2) for p in range(3)]
    neg = [s[i][1 - i][p] for i in range(2) for p in range(3)]
    e_pos = sum(math.log(2) - softplus(-u) for u in pos) / len(pos)
    e_neg = sum(softplus(-u) + u - math.log(2) for u in neg) / len(neg)
    expected = e_neg - e_pos
    # the same value in the softplus (BCE) form minus 2 log 2
    bce = (
        sum(softplus(-u) for u in pos) / 6 + sum(softplus(u) for u in neg) / 6)
    assert expected == pytest.approx(bce - 2 * math.log(2))
    got = dim_jsd(SCORES, torch.tensor([0, 1]))
    assert float(got) == pytest.approx(expected, abs=1e-6)
    assert float(dim_jsd(torch.zeros(2, 2, 3), torch.tensor([0, 1]))) == \
        pytest.approx(0.0, abs=1e-7)


def test_dim_infonce_keeps_own_image_at_minus_ten():
    from mmdense.models.losses.mutual_info import dim_infonce
    s = SCORES.tolist()
    losses = []
    for i in range(2):
        for p in range(3):
            logits = [s[i][i][p]] + [
                -10.0 if j == i else s[i][j][q] for j in range(2)
                for q in range(3)
            ]
            denom = sum(math.exp(v) for v in logits)
            losses.append(-math.log(math.exp(logits[0]) / denom))
    expected = sum(losses) / len(losses)
    got = dim_infonce(SCORES, torch.tensor([0, 1]))
    assert float(got) == pytest.approx(expected, abs=1e-6)
    # dropping the own-image candidates instead would give another value
    dropped = dim_infonce(SCORES, torch.tensor([0, 1]), self_score=-1e9)
    assert abs(float(dropped) - expected) > 1e-5
