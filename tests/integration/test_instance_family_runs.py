"""The instance-discrimination family run for real: the memory bank, the
queue and SimCLR's gathered loss under two gloo processes, the demos'
training and their weights' transfer, InstDisc through the Runner."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from helpers import REPO, assert_backbone_transfers, free_port, unit
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper

from mmdense.models.losses.instance import nt_xent
from mmdense.models.memories import ContrastQueue, MemoryBank
from mmdense.registry import DATASETS, MODELS
from mmdense.weights import extract_transfer_weights

METHODS = ['instdisc', 'mocov1', 'mocov2', 'simclr', 'simsiam', 'byol']


# ------------------------------------------------------- two processes
def _worker(rank, world, port, out_dir, z1, z2):
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    torch.manual_seed(rank)  # different random banks: sync_ takes rank 0's
    bank = MemoryBank(num_samples=8, dim=2)
    bank.sync_()
    start = bank.feats.clone()
    idx = torch.tensor([0, 1]) + 4 * rank
    bank.update(idx, torch.full((2, 2), float(rank + 1)))
    bank.update(idx[:1], torch.full((1, 2), -float(rank + 1)))
    queue = ContrastQueue(length=8, dim=1)
    for step in range(3):  # 3 x (2 ranks x 2 keys) wraps the queue of 8
        queue.enqueue(torch.full((2, 1), 10. * step + rank))
    b = z1.shape[0] // world
    mine1 = z1[rank * b:(rank + 1) * b].clone().requires_grad_()
    mine2 = z2[rank * b:(rank + 1) * b].clone().requires_grad_()
    loss = nt_xent(mine1, mine2, temperature=0.2)
    loss.backward()
    torch.save(
        dict(
            start=start,
            bank=bank.feats.clone(),
            queue=queue.keys.clone(),
            ptr=int(queue.ptr),
            loss=loss.detach(),
            g1=mine1.grad,
            g2=mine2.grad), os.path.join(out_dir, f'rank{rank}.pth'))
    from mmdense.utils.dist import shutdown_dist
    shutdown_dist()


def test_bank_queue_and_simclr_under_two_processes(tmp_path):
    torch.manual_seed(0)
    z1, z2 = torch.randn(8, 5), torch.randn(8, 5)
    mp.spawn(_worker, args=(2, free_port(), str(tmp_path), z1, z2), nprocs=2)
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1))
    # memory bank: rank 0's start everywhere, both ranks' entries written
    assert torch.equal(r0['start'], r1['start'])
    assert torch.equal(r0['bank'], r1['bank'])
    start, bank = r0['start'], r0['bank']
    for rank in (0, 1):
        c = float(rank + 1)
        i = 4 * rank
        once = [
            unit([0.5 * a + 0.5 * c for a in start[j].tolist()])
            for j in (i, i + 1)
        ]
        twice = unit([0.5 * a - 0.5 * c for a in once[0]])
        assert torch.allclose(bank[i], torch.tensor(twice))
        assert torch.allclose(bank[i + 1], torch.tensor(once[1]))
    untouched = [2, 3, 6, 7]
    assert torch.equal(bank[untouched], start[untouched])
    # queue: same on both ranks; step 2 (20, 21) overwrote step 0
    assert torch.equal(r0['queue'], r1['queue'])
    assert r0['queue'].flatten().tolist() == [20, 20, 21, 21, 10, 10, 11, 11]
    assert r0['ptr'] == r1['ptr'] == 4
    # SimCLR: 2 x batch 4 == 1 x batch 8, in value and (DDP-averaged)
    # gradient
    one1, one2 = z1.clone().requires_grad_(), z2.clone().requires_grad_()
    single = nt_xent(one1, one2, temperature=0.2)
    single.backward()
    assert float((r0['loss'] + r1['loss']) / 2) == pytest.approx(
        float(single), rel=1e-6)
    g1 = torch.cat([r0['g1'], r1['g1']]) / 2
    g2 = torch.cat([r0['g2'], r1['g2']]) / 2
    assert torch.allclose(g1, one1.grad, atol=1e-7)
    assert torch.allclose(g2, one2.grad, atol=1e-7)


# ------------------------------------------------- demos train and transfer
def _demo(method, synthetic_root):
    cfg = Config.fromfile(osp.join(REPO, f'configs/{method}/demo.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.max_iters = 1000
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = osp.join(synthetic_root, 'coco/')
    dataset = DATASETS.build(ds_cfg)
    if hasattr(model, 'memory_bank'):  # what MemoryBankHook does
        model.memory_bank.resize_(len(dataset))
    return cfg, model, dataset


# method: steps, first measured step (MoCo: once the queue of 32 is full)
STEPS = dict(
    instdisc=(16, 0),
    mocov1=(16, 4),
    mocov2=(16, 4),
    simclr=(8, 0),
    simsiam=(8, 0),
    byol=(8, 0))


@pytest.mark.parametrize('method', METHODS)
def test_demo_trains_and_transfers(method, synthetic_root, tmp_path):
    MessageHub.get_current_instance().update_info('max_iters', 1000)
    cfg, model, dataset = _demo(method, synthetic_root)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    torch.manual_seed(0)
    np.random.seed(0)
    data = default_collate([dataset[i] for i in range(8)])
    steps, start = STEPS[method]
    losses = [
        float(model.train_step(data, optim)['loss']) for _ in range(steps)
    ]
    values = losses[start:]
    assert all(v == v for v in values)
    first, last = sum(values[:3]) / 3, sum(values[-3:]) / 3
    assert last < first, f'{method}: {first:.4f} -> {last:.4f}'
    # its checkpoint's weights load into the synthetic benchmarks, strictly
    assert_backbone_transfers(model, tmp_path)


def test_instdisc_demo_runs_in_the_runner(synthetic_root, tmp_path):
    """Two real iterations through the Runner: MemoryBankHook sizes the
    bank to the dataset, the dataloader hands each sample its index, the
    checkpoint keeps bank and Z and exports the backbone."""
    from mmdense.engine import build_runner
    from mmdense.utils import load_checkpoint_file
    cfg = Config.fromfile(osp.join(REPO, 'configs/instdisc/demo.py'))
    cfg.work_dir = str(tmp_path)
    cfg.launcher = 'none'
    cfg.train_dataloader.dataset.data_root = osp.join(synthetic_root, 'coco/')
    cfg.train_dataloader.num_workers = 0
    cfg.train_dataloader.persistent_workers = False
    cfg.train_cfg.max_iters = 2
    cfg.default_hooks.checkpoint.interval = 2
    cfg.custom_hooks = [
        dict(type='TransferMetaHook'),
        dict(type='MemoryBankHook')
    ]
    runner = build_runner(cfg)
    runner.train()
    n = len(runner.train_dataloader.dataset)
    bank = runner.model.memory_bank.feats
    assert bank.shape == (n, 64) and float(runner.model.nce_z) > 0
    ckpt = load_checkpoint_file(str(tmp_path / 'iter_2.pth'))
    assert ckpt['state_dict']['memory_bank.feats'].shape == (n, 64)
    assert set(extract_transfer_weights(ckpt)) == {
        k
        for k in runner.model.state_dict() if k.startswith('backbone.')
    }
