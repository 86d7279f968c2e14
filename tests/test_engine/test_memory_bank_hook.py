"""MemoryBankHook sizes a memory bank to the dataset or rejects a wrong
size."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from mmdense.engine import MemoryBankHook
from mmdense.models.memories import MemoryBank


def test_memory_bank_hook_sizes_or_rejects():
    runner = SimpleNamespace(
        model=nn.ModuleDict(dict(bank=MemoryBank(None, dim=3))),
        train_dataloader=SimpleNamespace(dataset=list(range(5))),
        logger=SimpleNamespace(info=lambda msg: None))
    with pytest.raises(RuntimeError, match='MemoryBankHook'):
        runner.model['bank'].check_ready()
    MemoryBankHook().before_run(runner)
    feats = runner.model['bank'].feats
    assert feats.shape == (5, 3)
    assert torch.allclose(feats.norm(dim=1), torch.ones(5))
    runner.model = nn.ModuleDict(dict(bank=MemoryBank(6, dim=3)))
    with pytest.raises(ValueError, match='num_samples=5'):
        MemoryBankHook().before_run(runner)
