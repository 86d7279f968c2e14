"""Reliability: exact resume after SIGKILL, fallback to the newest complete
checkpoint, the NaN guard, and 1-process == 2-process.

Demo runs use the demo configs with a narrow ResNet-18 (base_channels 16),
64 px crops, batch 4, 5 iterations and a checkpoint after each (keep 2).  Loss
values are
compared *exactly* (``==`` on the float64 values of scalars.json): the
resumed and the uninterrupted run execute the same CPU kernels on the same
inputs with the same thread count, so nothing is allowed to differ.  The
uninterrupted reference runs without dataloader workers, the killed and the
resumed run with the demo's 2 workers: the data do not depend on workers
(per-sample augmentation seeds).
"""
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import uuid

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from helpers import REPO, TESTS, free_port
from mmengine.config import Config
from mmengine.hooks import Hook

from mmdense.utils.checkpoint import checkpoint_problem

SMALL = dict(
    densecl=('configs/densecl/demo.py', """
model = dict(
    backbone=dict(base_channels=16),
    head=dict(in_channels=128, hid_channels=64, out_channels=32,
              queue_len=16, dense_warmup_iters=2))
"""),
    decon=('configs/decon/demo.py', """
model = dict(
    backbone=dict(base_channels=16),
    head=dict(in_channels=128, num_prototypes=8, hid_channels=64,
              out_channels=32),
    decoder=dict(in_channels=[16, 32, 64, 128], out_channels=32))
"""),
)
COMMON = """
train_cfg = dict(max_iters=5)
train_dataloader = dict(batch_size=4)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=1, max_keep_ckpts=2))
log_processor = dict(window_size=1)
"""


def _write_config(folder, method, kill_at=None, workers=True):
    base, model = SMALL[method]
    text = f'_base_ = {osp.join(REPO, base)!r}\n' + model + COMMON
    hooks = ["dict(type='TransferMetaHook')"]
    if kill_at is not None:
        text += ("custom_imports = dict(imports=['reliability_hooks'], "
                 'allow_failed_imports=False)\n')
        hooks.append(f"dict(type='KillAtIterHook', iteration={kill_at})")
    text += f'custom_hooks = [{", ".join(hooks)}]\n'
    if not workers:
        text += ('train_dataloader.update(num_workers=0, '
                 'persistent_workers=False)\n')
    name = f'{method}{"_kill" if kill_at else ""}{"" if workers else "_w0"}'
    path = osp.join(folder, f'{name}.py')
    with open(path, 'w') as f:
        f.write(text)
    return path


def _train(config, work_dir, resume=False, hooks=()):
    """What tools/train.py does (``--resume`` without a value: auto), in
    this process."""
    from mmdense.engine import build_runner
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    cfg.launcher = 'none'
    cfg.experiment_name = f'{osp.basename(config)}_{uuid.uuid4().hex}'
    if resume:
        cfg.resume, cfg.load_from = True, None
    runner = build_runner(cfg)
    for hook in hooks:
        runner.register_hook(hook, priority='VERY_HIGH')
    runner.train()
    return runner


def _train_cli(args, cwd):
    env = dict(
        os.environ,
        PYTHONUNBUFFERED='1',
        PYTHONPATH=os.pathsep.join([TESTS,
                                    os.environ.get('PYTHONPATH', '')]))
    return subprocess.run(
        [sys.executable,
         osp.join(REPO, 'tools/train.py'), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        start_new_session=True)  # its own process group, killed whole


def _losses(work_dir):
    """iteration -> loss terms and lr, from every run (timestamp dir) in
    order."""
    out = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*/vis_data/scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'loss' in rec:
                    out[rec['iter']] = {
                        k: v
                        for k, v in rec.items() if 'loss' in k or k == 'lr'
                    }
    return out


def _log(work_dir):
    text = ''
    for path in sorted(glob.glob(osp.join(work_dir, '*/*.log'))):
        with open(path) as f:
            text += f.read()
    return text


def _state(path):
    from mmdense.utils import load_checkpoint_file
    return load_checkpoint_file(str(path))


@pytest.fixture(scope='module')
def runs(tmp_path_factory, synthetic_root):
    """Per method: the uninterrupted reference (no workers, in-process) and a
    run SIGKILLed at the end of iteration 4, before its checkpoint (demo
    workers, subprocess): it leaves iter_2 and iter_3, iteration 4 is
    lost."""
    root = tmp_path_factory.mktemp('reliability')
    os.makedirs(root / 'data')
    os.symlink(synthetic_root, root / 'data' / 'synthetic')
    cwd = os.getcwd()
    os.chdir(root)  # the configs' data_root is relative
    try:
        out = {}
        for method in SMALL:
            ref = root / f'{method}_ref'
            _train(_write_config(str(root), method, workers=False), ref)
            killed = root / f'{method}_killed'
            proc = _train_cli([
                _write_config(str(root), method, kill_at=4), '--work-dir',
                str(killed)
            ],
                              cwd=str(root))
            assert proc.returncode == -9, proc.stdout[-3000:] + \
                proc.stderr[-3000:]
            # as left by the kill (the tests below resume `killed` itself)
            shutil.copytree(killed, root / f'{method}_killed_copy')
            out[method] = (ref, killed)
        yield root, out
    finally:
        os.chdir(cwd)


def test_sigkill_then_resume_continues_exactly(runs):
    """DenseCL via ``tools/train.py --resume`` (subprocess), DeCon via the
    same steps in-process: iterations 4-5 after resuming from iter_3 have
    exactly the reference losses, and the final checkpoints hold the same
    weights, EMA teachers, queues / centers, step counters and optimizer."""
    root, out = runs
    for method, (ref, killed) in out.items():
        assert sorted(glob.glob(str(killed / 'iter_*.pth'))) == [
            str(killed / 'iter_2.pth'),
            str(killed / 'iter_3.pth')
        ]
        before = _losses(killed)
        assert sorted(before) == [1, 2, 3]
        config = _write_config(str(root), method)
        if method == 'densecl':
            proc = _train_cli([config, '--work-dir',
                               str(killed), '--resume'],
                              cwd=str(root))
            assert proc.returncode == 0, proc.stderr[-3000:]
        else:
            cwd = os.getcwd()
            os.chdir(root)
            try:
                _train(config, killed, resume=True)
            finally:
                os.chdir(cwd)
        log = _log(killed)
        assert ('the complete checkpoint with the highest iteration is '
                f'{killed / "iter_3.pth"}') in log
        reference, resumed = _losses(ref), _losses(killed)
        assert sorted(reference) == list(range(1, 6))
        for it in range(1, 6):  # 1-3 before the kill, 4-5 after resuming
            assert resumed[it] == reference[it], (method, it)
        a, b = _state(ref / 'iter_5.pth'), _state(killed / 'iter_5.pth')
        assert a['state_dict'].keys() == b['state_dict'].keys()
        for key, value in a['state_dict'].items():
            assert torch.equal(value, b['state_dict'][key]), (method, key)
        assert any('queue' in k or 'center' in k for k in a['state_dict'])
        assert int(b['state_dict']['step']) == 5
        for sa, sb in zip(a['optimizer']['state'].values(),
                          b['optimizer']['state'].values()):
            assert all(torch.equal(sa[k], sb[k]) for k in sa)
        # keep-last-2: iter_3 went after iter_5 was complete
        assert sorted(glob.glob(str(killed / 'iter_*.pth'))) == [
            str(killed / 'iter_4.pth'),
            str(killed / 'iter_5.pth')
        ]


def test_truncated_newest_checkpoint_falls_back_with_warning(runs):
    root, out = runs
    ref, killed = out['densecl']
    work = root / 'truncated'
    shutil.copytree(root / 'densecl_killed_copy', work)
    shutil.rmtree(next(p for p in work.iterdir() if p.is_dir()))  # old log
    with open(work / 'iter_3.pth', 'r+b') as f:
        f.truncate(os.path.getsize(work / 'iter_3.pth') // 2)
    assert checkpoint_problem(str(work / 'iter_3.pth')) is not None
    cwd = os.getcwd()
    os.chdir(root)
    try:
        _train(_write_config(str(root), 'densecl'), work, resume=True)
    finally:
        os.chdir(cwd)
    log = _log(work)
    bad = str(work / 'iter_3.pth')
    assert f'WARNING - resume: skipping {bad}: truncated' in log
    assert ('the complete checkpoint with the highest iteration is '
            f'{work / "iter_2.pth"}') in log
    # it went on from iteration 2 exactly as the reference run
    reference, resumed = _losses(ref), _losses(work)
    assert sorted(resumed) == [3, 4, 5]
    assert all(resumed[i] == reference[i] for i in (3, 4, 5))


EPOCHS = """
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop', max_epochs=2)
train_dataloader = dict(sampler=dict(type='DefaultSampler', shuffle=True))
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=3))
"""


def test_epoch_based_run_resumes_mid_epoch(run_dir):
    """EpochBasedTrainLoop (16 images, batch 4: 4 iterations an epoch) with
    a checkpoint every 3 iterations: resuming from iter_6 (2 batches into
    epoch 2; as after a kill during iteration 7) trains exactly iterations 7
    and 8 on the reference's batches (mmengine alone would restart the
    epoch: 4 more iterations, on other data)."""
    root = run_dir
    config = _write_config(str(root), 'densecl', workers=False)
    epochs = config.replace('.py', '_epochs.py')
    with open(epochs, 'w') as f:
        f.write(f'_base_ = {osp.basename(config)!r}\n' + EPOCHS)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        _train(epochs, root / 'epochs_ref')
        os.makedirs(root / 'epochs')
        shutil.copy2(root / 'epochs_ref' / 'iter_6.pth', root / 'epochs')
        _train(epochs, root / 'epochs', resume=True)
    finally:
        os.chdir(cwd)
    reference, resumed = _losses(root / 'epochs_ref'), _losses(root / 'epochs')
    assert sorted(reference) == list(range(1, 9))
    assert sorted(resumed) == [7, 8]
    assert all(resumed[i] == reference[i] for i in (7, 8))
    assert 'data continues in pass 1 at sample 8' in _log(root / 'epochs')


# methods of the other families: (demo, narrow-model overrides, extra hooks)
OTHERS = dict(
    instdisc=('configs/instdisc/demo.py',
              "model = dict(backbone=dict(base_channels=16), "
              "neck=dict(in_channels=128))", "dict(type='MemoryBankHook')"),
    dim=('configs/dim/demo.py',
         "model = dict(backbone=dict(base_channels=16), head=dict("
         "local_channels=128, global_channels=128, hid_channels=64))", ''),
    mocov2=('configs/mocov2/demo.py',
            "model = dict(backbone=dict(base_channels=16), head=dict("
            "projector=dict(in_channels=128, hid_channels=64)))", ''),
    simclr=('configs/simclr/demo.py',
            "model = dict(backbone=dict(base_channels=16), "
            "neck=dict(in_channels=128, hid_channels=64))", ''),
    byol=('configs/byol/demo.py',
          "model = dict(backbone=dict(base_channels=16), "
          "neck=dict(in_channels=128, hid_channels=64))", ''),
    relative_loc=('configs/relative_loc/demo.py',
                  "model = dict(backbone=dict(base_channels=16), "
                  "head=dict(in_channels=128, hid_channels=(64, )))", ''),
)


@pytest.mark.parametrize('method', sorted(OTHERS))
def test_other_families_resume_exactly(method, run_dir):
    """The mechanisms are the Runner's, not per method (SlotCon runs inside
    the DeCon test above): MoCo v2 (queue), SimCLR, BYOL (mmpretrain's EMA
    target), InstDisc (memory bank, random negatives drawn in the main
    process), Deep InfoMax and context prediction (random patch pairs drawn
    in the pipeline) resumed from iter_1 of a 2-iteration run repeat
    iteration 2 exactly (losses, lr, every weight and buffer)."""
    base, model, hook = OTHERS[method]
    config = run_dir / f'{method}.py'
    config.write_text(
        f'_base_ = {osp.join(REPO, base)!r}\n{model}\n' +
        COMMON.replace('max_iters=5', 'max_iters=2') +
        f"custom_hooks = [dict(type='TransferMetaHook'), {hook}]\n"
        'train_dataloader.update(num_workers=0, persistent_workers=False)\n')
    cwd = os.getcwd()
    os.chdir(run_dir)
    try:
        _train(str(config), run_dir / 'full')
        os.makedirs(run_dir / 'resumed')
        shutil.copy2(run_dir / 'full' / 'iter_1.pth', run_dir / 'resumed')
        _train(str(config), run_dir / 'resumed', resume=True)
    finally:
        os.chdir(cwd)
    full, resumed = _losses(run_dir / 'full'), _losses(run_dir / 'resumed')
    assert sorted(resumed) == [2] and resumed[2] == full[2]
    a = _state(run_dir / 'full' / 'iter_2.pth')['state_dict']
    b = _state(run_dir / 'resumed' / 'iter_2.pth')['state_dict']
    assert a.keys() == b.keys()
    assert all(torch.equal(v, b[k]) for k, v in a.items()), method


class _NaNAt(Hook):
    """Makes the student's dense projection NaN at one iteration."""

    def __init__(self, iteration):
        self.iteration = iteration

    def before_train(self, runner):
        projector = runner.model.head.projector

        def poison(module, args, output):
            if runner.iter + 1 == self.iteration:
                return output[0], output[1] * float('nan'), output[2]
            return output

        projector.register_forward_hook(poison)


def test_nan_loss_stops_with_one_message_and_keeps_last_good_checkpoint(
        run_dir):
    root = run_dir
    work = root / 'nan'
    from mmdense.engine import NonFiniteLossError
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with pytest.raises(NonFiniteLossError) as err:
            _train(
                _write_config(str(root), 'densecl', workers=False),
                work,
                hooks=[_NaNAt(2)])
    finally:
        os.chdir(cwd)
    msg = str(err.value)
    assert '\n' not in msg
    assert msg.startswith('non-finite loss at iteration 2: loss_dense=nan.')
    assert 'loss_global' not in msg  # the finite term is not blamed
    assert str(work / 'iter_1.pth') in msg
    assert sorted(n for n in os.listdir(work)
                  if n.endswith('.pth')) == ['iter_1.pth']
    assert checkpoint_problem(str(work / 'iter_1.pth')) is None
    with open(work / 'last_checkpoint') as f:
        assert f.read().endswith('iter_1.pth')
    state = _state(work / 'iter_1.pth')['state_dict']
    assert all(
        torch.isfinite(v).all() for v in state.values()
        if v.is_floating_point())


# ------------------------------------------------------- 1 == 2 processes
def _head(kind):
    from mmdense.models.heads import DenseCLHead, MoCoHead
    torch.manual_seed(0)  # same weights and initial queues everywhere
    if kind == 'densecl':
        return DenseCLHead(
            in_channels=8,
            hid_channels=16,
            out_channels=4,
            queue_len=8,
            dense_warmup_iters=0)
    return MoCoHead(
        projector=dict(
            type='MoCoV2Neck',
            in_channels=8,
            hid_channels=16,
            out_channels=4,
            with_avg_pool=True),
        out_channels=4,
        queue_len=8)


def _head_steps(kind, rank, world, feats_q, feats_k):
    """Two steps of a queue head (DenseCL's or MoCo's) on this process's
    share of a fixed global batch of C5 features; returns the losses, the
    projector gradients averaged over processes (what DDP does) and the
    queues."""
    head = _head(kind)
    per = feats_q.shape[1] // world
    losses, grads = [], []
    for step in range(2):
        q = feats_q[step, rank * per:(rank + 1) * per]
        k = feats_k[step, rank * per:(rank + 1) * per]
        head.zero_grad()
        loss = head.loss({0: q}, {1: k}, None, step)
        sum(loss.values()).backward()
        g = torch.cat([p.grad.flatten() for p in head.projector.parameters()])
        if world > 1:
            dist.all_reduce(g)
            g /= world
        losses.append({k: float(v) for k, v in loss.items()})
        grads.append(g)
    queues = {
        n: m.keys.clone()
        for n, m in head.named_modules() if n.endswith('queue')
    }
    return dict(losses=losses, grads=grads, queues=queues)


def _two_process_worker(rank, world, port, out_dir, feats_q, feats_k):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    from types import SimpleNamespace

    from mmengine.registry import DefaultScope

    from mmdense.engine import TrainingChecksHook
    from mmdense.models.algorithms import DenseCL
    from mmdense.utils import register_all_modules
    from mmdense.utils.dist import shutdown_dist
    register_all_modules(init_default_scope=False)
    result = {
        kind: _head_steps(kind, rank, world, feats_q, feats_k)
        for kind in ('densecl', 'moco')
    }
    with DefaultScope.overwrite_default_scope('mmdense'):
        model = DenseCL(
            backbone=dict(type='ResNet', depth=18, base_channels=8),
            head=dict(
                type='DenseCLHead',
                in_channels=64,
                hid_channels=16,
                out_channels=4,
                queue_len=12))
    seen = []
    model.teacher_features = lambda img: seen.append(img.clone()) or {'': img}
    local = torch.full((2, 1), float(rank))
    result['restored'] = model._teacher_forward(local)['']
    result['teacher_input'] = seen[0]
    # queue length 12 vs. 2 processes x 2 images: fine; x 4 images: not
    runner = SimpleNamespace(
        model=model,
        train_loop=SimpleNamespace(dataloader=SimpleNamespace(batch_size=4)))
    try:
        TrainingChecksHook().before_train(runner)
    except ValueError as err:
        result['queue_error'] = str(err)
    torch.save(result, os.path.join(out_dir, f'rank{rank}.pth'))
    shutdown_dist()


def test_one_process_equals_two_processes(tmp_path):
    """DenseCL's and MoCo's heads on a fixed global batch of 4 (C5
    features): the loss terms (mean of the per-process losses), the
    DDP-averaged gradients and the queues after two steps equal one process
    with the whole batch (float tolerance 1e-6: the sums run in another
    order);
    shuffle-BN mixes the processes' images under DDP and is a no-op alone;
    the queue length is checked against the global batch before training."""
    g = torch.Generator().manual_seed(1)
    feats_q = torch.randn(2, 4, 8, 3, 3, generator=g)
    feats_k = torch.randn(2, 4, 8, 3, 3, generator=g)
    mp.spawn(
        _two_process_worker,
        args=(2, free_port(), str(tmp_path), feats_q, feats_k),
        nprocs=2)
    r0, r1 = (
        torch.load(tmp_path / f'rank{r}.pth', weights_only=False)
        for r in (0, 1))
    for kind in ('densecl', 'moco'):
        one, a, b = (_head_steps(kind, 0, 1, feats_q,
                                 feats_k), r0[kind], r1[kind])
        for step in range(2):
            for term, value in one['losses'][step].items():
                two = (a['losses'][step][term] + b['losses'][step][term]) / 2
                assert abs(two - value) < 1e-6, (kind, step, term)
            assert torch.allclose(
                a['grads'][step], one['grads'][step], atol=1e-6), (kind, step)
            assert torch.equal(a['grads'][step], b['grads'][step])
        assert sorted(one['queues']) == sorted(a['queues']) == (
            ['dense_queue', 'queue'] if kind == 'densecl' else ['queue'])
        for name, keys in one['queues'].items():
            assert torch.equal(a['queues'][name], b['queues'][name])
            # both steps' keys, rank 0's then rank 1's: the global batch
            assert torch.allclose(a['queues'][name], keys, atol=1e-6), name
    # shuffle-BN: rank 0's teacher saw a permutation of both ranks' images
    # and got its own back; alone, the teacher sees the batch unchanged
    seen = torch.cat([r0['teacher_input'], r1['teacher_input']]).flatten()
    assert sorted(seen.tolist()) == [0., 0., 1., 1.]
    assert torch.equal(r0['restored'], torch.zeros(2, 1))
    assert torch.equal(r1['restored'], torch.ones(2, 1))
    from mmdense.models.algorithms import DenseCL
    model = DenseCL(
        backbone=dict(type='ResNet', depth=18, base_channels=8),
        head=dict(
            type='DenseCLHead',
            in_channels=64,
            hid_channels=16,
            out_channels=4,
            queue_len=8))
    seen = []
    model.teacher_features = lambda img: seen.append(img) or {'': img}
    x = torch.randn(2, 1)
    assert model._teacher_forward(x)[''] is x and seen[0] is x
    assert r0['queue_error'] == (
        'head.queue: the queue length 12 is not a multiple of the global '
        'batch 8 (4 per process x 2 processes); set queue_len to a multiple '
        'of 8, e.g. 8.')
