"""ContrastQueue: contents after updates and wrap-around."""
import pytest
import torch

from mmdense.models.memories import ContrastQueue


def test_queue_contents_after_updates_and_wrap_around():
    queue = ContrastQueue(length=6, dim=2)
    assert torch.allclose(queue.keys.norm(dim=1), torch.ones(6))
    batches = [torch.full((2, 2), float(i)) for i in range(1, 5)]
    for b in batches:
        queue.enqueue(b)
    # 4 batches of 2 into 6 slots: batch 4 overwrote slots 0-1
    expected = torch.tensor([4., 4., 2., 2., 3., 3.])[:, None].expand(6, 2)
    assert torch.equal(queue.keys, expected)
    assert int(queue.ptr) == 2
    with pytest.raises(ValueError, match='multiple of the global batch 4'):
        queue.enqueue(torch.zeros(4, 2))


def test_queue_wraps_around_exactly():
    queue = ContrastQueue(length=4, dim=1)
    for step in range(3):
        queue.enqueue(torch.full((2, 1), float(step + 1)))
    assert queue.keys.flatten().tolist() == [3., 3., 2., 2.]
    assert int(queue.ptr) == 2
