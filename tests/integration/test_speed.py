"""Speed features: the benchmark with peers / loader / data-only modes, bf16
autocast + channels_last training of every demo config (several seeds,
fp32 as the baseline), the same losses from two fresh processes, and a
training step that never reads a device tensor back (no host-device sync)."""
import glob
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from helpers import (REPO, TESTS, assert_loss_falls, demo_batch, demo_steps,
                     run_tool)
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmdense.registry import MODELS

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
        '--amp', 'bf16', '--channels-last', '--out',
        str(out)
    ],
                   cwd=tmp_path)
    assert 'amp bf16, channels_last True' in log
    assert f'ratios to {DENSECL}' in log and '| data wait |' in log
    data = json.loads(out.read_text())
    assert data['settings']['channels_last'] and \
        data['settings']['amp'] == 'bf16'
    results = data['results']
    assert [r['config']
            for r in results] == [DENSECL, DECON, MMPRETRAIN_DENSECL]
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
    ],
                   cwd=run_dir)
    assert 'data loader' in log
    (r, ) = json.loads(out.read_text())['results']
    assert r['ok'] and len(r['data_wait_times']) == 2
    # data wait is part of each iteration's time
    assert all(0 < w < t
               for w, t in zip(r['data_wait_times'], r['iter_times']))
    assert r['data_wait_fraction'] == pytest.approx(
        sum(r['data_wait_times']) / sum(r['iter_times']))
    out = run_dir / 'data.json'
    log = run_tool([
        BENCH, DENSECL, '--data-only', '--workers', '0', '--batch', '4',
        '--iters', '2', '--warmup', '1', '--out',
        str(out)
    ],
                   cwd=run_dir)
    assert '| images/s per worker |' in log
    (r, ) = json.loads(out.read_text())['results']
    assert r['ok'] and r['data_only'] and r['workers'] == 0
    assert r['images_per_s'] == pytest.approx(8 / sum(r['load_times']))


DEMOS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs/*/demo*.py'))
    if '/_base_/' not in p)
SEEDS = (0, 1, 2)


@pytest.mark.parametrize('config', DEMOS)
def test_demo_bf16_channels_last_loss_falls(config, synthetic_root, run_dir,
                                            monkeypatch):
    """bf16 autocast (CPUAmpOptimWrapper) + channels_last: for several seeds
    (model init and batch), a few real steps on one repeated batch give a
    finite loss that falls, as the fp32 run of the same seed (the
    baseline) does."""
    monkeypatch.chdir(run_dir)  # paths under data/synthetic (CLIP captions)
    for seed in SEEDS:
        assert_loss_falls(
            demo_steps(config, synthetic_root, 'fp32', seed),
            f'fp32 seed {seed}')
        assert_loss_falls(
            demo_steps(config, synthetic_root, 'bf16', seed),
            f'bf16 seed {seed}')


_STEPS_IN_A_PROCESS = """
import json, sys
sys.path.insert(0, {tests!r})
from mmengine.registry import DefaultScope
from mmdense.utils import register_all_modules
register_all_modules(init_default_scope=False)
from helpers import demo_steps
with DefaultScope.overwrite_default_scope('mmdense'):
    print(json.dumps(demo_steps({config!r}, {root!r}, {precision!r}, 0, 8)))
"""


@pytest.mark.parametrize('config', [
    'configs/relative_loc/demo.py', 'configs/cpcv2/demo.py',
    'configs/patch_order/demo.py'
])
def test_two_processes_give_the_same_losses(config, synthetic_root, run_dir):
    """The same seeded demo run in two fresh processes gives the same loss
    sequence (==), in fp32 and in bf16."""
    for precision in ('fp32', 'bf16'):
        runs = []
        for _ in range(2):
            code = _STEPS_IN_A_PROCESS.format(
                tests=TESTS,
                config=config,
                root=synthetic_root,
                precision=precision)
            proc = subprocess.run([sys.executable, '-c', code],
                                  cwd=run_dir,
                                  capture_output=True,
                                  text=True,
                                  timeout=600)
            assert proc.returncode == 0, proc.stderr[-3000:]
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        assert runs[0] == runs[1], (precision, runs)


def test_densecl_step_reads_nothing_back(synthetic_root, monkeypatch):
    """No .item() / int() / float() / bool() of a tensor inside a DenseCL
    training step (each would wait for the GPU); the host mirrors of the
    step and the queue pointers follow the buffers and come back on load."""
    cfg = Config.fromfile(DENSECL)
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    data = demo_batch(cfg, synthetic_root)
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
