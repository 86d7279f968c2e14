"""MemoryBank: the momentum update, exactly."""
import math

import torch
from helpers import unit

from mmdense.models.memories import MemoryBank


def test_memory_bank_momentum_update_exact():
    bank = MemoryBank(num_samples=4, dim=2, momentum=0.5)
    bank.feats.copy_(torch.tensor([[1., 0.], [1., 0.], [0., 1.], [0., 1.]]))
    bank.update(torch.tensor([1, 2]), torch.tensor([[0., 1.], [0., 1.]]))
    r = 1 / math.sqrt(2)
    expected = [[1, 0], [r, r], [0, 1], [0, 1]]
    assert torch.allclose(bank.feats, torch.tensor(expected))
    bank.update(torch.tensor([1]), torch.tensor([[1., 0.]]))
    new = unit([0.5 * r + 0.5, 0.5 * r])
    assert torch.allclose(bank.feats[1], torch.tensor(new))
    assert torch.equal(bank.feats[[0, 2, 3]],
                       torch.tensor([[1., 0.], [0., 1.], [0., 1.]]))
