"""The instance-discrimination family (InstDisc, MoCo v1/v2, SimCLR,
SimSiam, BYOL): losses against hand-computed values, the memory bank and
the queue (one process and two gloo processes), SimCLR's gathered loss,
the demos' training and their weights' transfer."""
import math
import os
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
import torch.nn as nn
from conftest import REPO
from helpers import assert_backbone_transfers, free_port
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper

from mmdense.engine import MemoryBankHook
from mmdense.models.losses import info_nce
from mmdense.models.losses.instance import nce_loss, nt_xent
from mmdense.models.memories import ContrastQueue, MemoryBank
from mmdense.registry import DATASETS, MODELS
from mmdense.weights import extract_transfer_weights

METHODS = ['instdisc', 'mocov1', 'mocov2', 'simclr', 'simsiam', 'byol']


def _cos(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b))


def _unit(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


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
            math.exp(_cos(anchor, other) / t) for j, other in enumerate(views)
            if j != i)
        total += -_cos(anchor, views[pos]) / t + math.log(denom)
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
    mean_cos = (_cos(p[0], z[0]) + _cos(p[1], z[1])) / 2
    assert got == pytest.approx(-mean_cos)
    byol_paper = sum(2 - 2 * _cos(a, b) for a, b in zip(p, z)) / 2 * 2
    assert 2 * (got + got) == pytest.approx(byol_paper - 4)


class _Embed(nn.Module):
    """Test stand-in for backbone / neck / predictor: (N, D, 1, 1) or
    (N, D) -> a one-tuple (or list) of (N, D)."""

    def __init__(self, **kwargs):
        super().__init__()
        self.w = nn.Parameter(torch.ones(()))  # something to optimise

    def forward(self, x):
        x = x[0] if isinstance(x, (list, tuple)) else x
        return [self.w * x.flatten(1)]


MODELS.register_module(name='_TestEmbed', module=_Embed, force=True)
EMBED = dict(type='_TestEmbed')


def test_simsiam_and_byol_losses_with_identity_networks():
    v1 = torch.tensor([[1., 0.], [2., 1.]]).view(2, 2, 1, 1)
    v2 = torch.tensor([[1., 1.], [0., 1.]]).view(2, 2, 1, 1)
    cos = [_cos([1, 0], [1, 1]), _cos([2, 1], [0, 1])]
    head = dict(
        type='LatentPredictHead',
        predictor=EMBED,
        loss=dict(type='CosineSimilarityLoss'))
    simsiam = MODELS.build(
        dict(type='SimSiam', backbone=EMBED, neck=EMBED, head=head))
    got = float(simsiam.loss([v1, v2], None)['loss'])
    assert got == pytest.approx(-sum(cos) / 2)  # 0.5 (-mean cos) * 2
    byol = MODELS.build(
        dict(
            type='BYOL',
            backbone=EMBED,
            neck=EMBED,
            head=head,
            base_momentum=0.004))
    got = float(byol.loss([v1, v2], None)['loss'])
    paper = 2 * sum(2 - 2 * c for c in cos) / 2  # both directions, mean
    assert got == pytest.approx(paper - 4)


def test_byol_target_momentum_is_the_papers_cosine_from_0_996():
    """mmpretrain's CosineEMA takes 1 - m: base_momentum=0.004 gives the
    paper's tau = 1 - (1 - 0.996) (cos(pi k / K) + 1) / 2."""
    from mmpretrain.models.utils import CosineEMA
    MessageHub.get_current_instance().update_info('max_iters', 10)
    ema = CosineEMA(nn.Linear(1, 1), momentum=0.004)
    for k in (0, 3, 10):
        target, online = torch.zeros(1), torch.ones(1)
        ema.avg_func(target, online, k)
        tau = 1 - (1 - 0.996) * (math.cos(math.pi * k / 10) + 1) / 2
        assert float(target) == pytest.approx(1 - tau)  # tau*0 + (1-tau)*1


# ------------------------------------------------------- memory and queue
def test_memory_bank_momentum_update_exact():
    bank = MemoryBank(num_samples=4, dim=2, momentum=0.5)
    bank.feats.copy_(torch.tensor([[1., 0.], [1., 0.], [0., 1.], [0., 1.]]))
    bank.update(torch.tensor([1, 2]), torch.tensor([[0., 1.], [0., 1.]]))
    r = 1 / math.sqrt(2)
    expected = [[1, 0], [r, r], [0, 1], [0, 1]]
    assert torch.allclose(bank.feats, torch.tensor(expected))
    bank.update(torch.tensor([1]), torch.tensor([[1., 0.]]))
    new = _unit([0.5 * r + 0.5, 0.5 * r])
    assert torch.allclose(bank.feats[1], torch.tensor(new))
    assert torch.equal(bank.feats[[0, 2, 3]],
                       torch.tensor([[1., 0.], [0., 1.], [0., 1.]]))


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


def test_queue_wraps_around_exactly():
    queue = ContrastQueue(length=4, dim=1)
    for step in range(3):
        queue.enqueue(torch.full((2, 1), float(step + 1)))
    assert queue.keys.flatten().tolist() == [3., 3., 2., 2.]
    assert int(queue.ptr) == 2


def test_instdisc_fixes_z_on_the_first_batch():
    """Every bank entry = u, so every score is exp(u.f_i / t): Z = N x the
    mean over images and the K + 1 columns; the second batch keeps it."""
    model = MODELS.build(
        dict(
            type='InstDisc',
            backbone=EMBED,
            neck=EMBED,
            memory_bank=dict(type='MemoryBank', num_samples=5, dim=2),
            num_negatives=3,
            temperature=0.5))
    u = _unit([1., 2.])
    model.memory_bank.feats.copy_(torch.tensor([u] * 5))
    f = [[1., 0.], [0., 1.]]
    x = torch.tensor(f).view(2, 2, 1, 1)
    data_samples = [_Meta(sample_idx=3), _Meta(sample_idx=1)]
    loss = float(model.loss([x], data_samples)['loss'])
    scores = [math.exp(_cos(u, fi) / 0.5) for fi in f]
    z = 5 * sum(scores) / 2
    assert float(model.nce_z) == pytest.approx(z)
    k_pn = 3 / 5
    expected = 0.
    for s in scores:
        p = s / z
        expected += math.log(
            p / (p + k_pn + 1e-7)) + 3 * math.log(k_pn / (p + k_pn + 1e-7))
    assert loss == pytest.approx(-expected / 2, rel=1e-5)
    # the two entries moved to normalise(0.5 u + 0.5 f_i); Z stays
    assert torch.allclose(model.memory_bank.feats[3],
                          torch.tensor(_unit([0.5 * u[0] + 0.5, 0.5 * u[1]])))
    model.loss([x], data_samples)
    assert float(model.nce_z) == pytest.approx(z)
    # a loaded Z is kept too (not re-estimated from the moved bank)
    resumed = MODELS.build(
        dict(
            type='InstDisc',
            backbone=EMBED,
            neck=EMBED,
            memory_bank=dict(type='MemoryBank', num_samples=5, dim=2),
            num_negatives=3,
            temperature=0.5))
    resumed.load_state_dict(model.state_dict())
    resumed.loss([x], data_samples)
    assert float(resumed.nce_z) == pytest.approx(z)


class _Meta(dict):
    """A data sample's metainfo: ``'sample_idx' in s`` and ``s.sample_idx``
    (as mmpretrain's DataSample)."""
    __getattr__ = dict.__getitem__


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
            _unit([0.5 * a + 0.5 * c for a in start[j].tolist()])
            for j in (i, i + 1)
        ]
        twice = _unit([0.5 * a - 0.5 * c for a in once[0]])
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


def test_simsiam_predictor_keeps_its_lr_every_iteration():
    """The config marks the predictor's groups ``fix_lr`` and SimSiamHook
    (``adjust_by_epoch=False``) resets them before every iteration, while
    the schedule moves the other groups."""
    from mmpretrain.engine.hooks import SimSiamHook
    cfg = Config.fromfile(osp.join(REPO, 'configs/simsiam/demo.py'))
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    hook_cfg = dict(cfg.custom_hooks[-1])
    assert hook_cfg.pop('type') == 'SimSiamHook'
    hook_cfg.pop('priority')
    hook = SimSiamHook(**hook_cfg)
    groups = optim.optimizer.param_groups
    fixed = [g for g in groups if g.get('fix_lr')]
    n_pred = sum(1 for n, _ in model.named_parameters() if 'predictor' in n)
    assert len(fixed) == n_pred > 0
    for g in groups:  # what a scheduler step does
        g['lr'] *= 0.5
    hook.before_train_iter(SimpleNamespace(optim_wrapper=optim), 0)
    assert all(g['lr'] == 0.05 for g in fixed)
    assert all(g['lr'] == 0.025 for g in groups if not g.get('fix_lr'))
