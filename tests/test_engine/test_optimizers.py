"""BarlowTwinsLARS (SlotCon's utils/lars.py) worked out by hand."""
import torch
import torch.nn as nn

from mmdense.engine import BarlowTwinsLARS


def test_barlow_twins_lars_by_hand():
    """Two steps of SlotCon's utils/lars.py worked out by hand.

    W = [[3, 4]] (||W|| = 5), gW = [[0.6, 0.8]], wd 0.1, eta 0.001,
    momentum 0.9: d = g + 0.1 W = [[0.9, 1.2]], ||d|| = 1.5, trust
    0.001 * 5 / 1.5 = 1/300, d = [[0.003, 0.004]] = mu; W -= lr(1.0) * mu.
    The bias b = [2] (1-D: no decay, no adaptation), gb = [0.5]: mu = 0.5,
    b = 1.5.  Step 2 with lr 0.5 and the same gradients: W = [[2.997,
    3.996]], ||W|| = 4.995, d = [[0.8997, 1.1996]], ||d|| = 1.4995, trust
    0.001 * 4.995 / 1.4995; mu = 0.9 mu + trust * d; W -= 0.5 mu (the lr
    multiplies the momentum buffer, not each gradient).  b: mu = 0.95,
    b = 1.5 - 0.475 = 1.025."""
    w = nn.Parameter(torch.tensor([[3., 4.]], dtype=torch.float64))
    b = nn.Parameter(torch.tensor([2.], dtype=torch.float64))
    opt = BarlowTwinsLARS([w, b],
                          lr=1.0,
                          momentum=0.9,
                          weight_decay=0.1,
                          eta=0.001)
    for lr in (1.0, 0.5):
        opt.param_groups[0]['lr'] = lr
        w.grad = torch.tensor([[0.6, 0.8]], dtype=torch.float64)
        b.grad = torch.tensor([0.5], dtype=torch.float64)
        opt.step()
        if lr == 1.0:
            assert torch.allclose(
                w, torch.tensor([[2.997, 3.996]], dtype=torch.float64))
            assert torch.allclose(b, torch.tensor([1.5], dtype=torch.float64))
    d2 = torch.tensor([[0.6 + 0.2997, 0.8 + 0.3996]], dtype=torch.float64)
    mu2 = 0.9 * torch.tensor([[0.003, 0.004]], dtype=torch.float64) + \
        0.001 * 4.995 / 1.4995 * d2
    want = torch.tensor([[2.997, 3.996]], dtype=torch.float64) - 0.5 * mu2
    assert torch.allclose(w, want, rtol=0, atol=1e-12)
    assert torch.allclose(b, torch.tensor([1.025], dtype=torch.float64))
