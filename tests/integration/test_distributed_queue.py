"""Two gloo processes on CPU: gathered queues and shuffle-BN."""
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from helpers import free_port


def _worker(rank, world, port, out_dir):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    from mmdense.models.memories import ContrastQueue
    from mmdense.models.utils.teacher import shuffle_batch, unshuffle_batch
    torch.manual_seed(0)  # same initial queue on both ranks
    queue = ContrastQueue(length=8, dim=2)
    keys = torch.full((2, 2), float(rank + 1))
    queue.enqueue(keys)
    x = torch.arange(4.).view(4, 1) + 10 * rank
    torch.manual_seed(rank)  # the permutation must come from rank 0 only
    shuffled, idx = shuffle_batch(x)
    restored = unshuffle_batch(shuffled * 2, idx)
    torch.save(
        dict(
            queue=queue.keys.clone(),
            ptr=int(queue.ptr),
            shuffled=shuffled,
            restored=restored,
            idx=idx), os.path.join(out_dir, f'rank{rank}.pth'))
    from mmdense.utils.dist import shutdown_dist
    shutdown_dist()


def test_queue_gather_and_shuffle_bn_two_processes(tmp_path):
    mp.spawn(_worker, args=(2, free_port(), str(tmp_path)), nprocs=2)
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1))
    # both ranks hold the same queue: rank 0's keys, then rank 1's
    assert torch.equal(r0['queue'], r1['queue'])
    assert torch.equal(r0['queue'][:4, 0], torch.tensor([1., 1., 2., 2.]))
    assert r0['ptr'] == r1['ptr'] == 4
    # shuffle-BN: one global permutation; each rank gets a mixed batch
    together = torch.cat([r0['shuffled'], r1['shuffled']]).flatten()
    assert sorted(together.tolist()) == [0, 1, 2, 3, 10, 11, 12, 13]
    assert r0['idx'] is not None and torch.equal(r0['idx'], r1['idx'])
    assert torch.equal(r0['restored'].flatten(), 2 * torch.arange(4.))
    assert torch.equal(r1['restored'].flatten(), 2 * (torch.arange(4.) + 10))
