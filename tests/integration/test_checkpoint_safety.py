"""Checkpoint safety end to end: no tool runs the code of a payload
checkpoint, a NaN guard whose advice works, resume that applies a changed
schedule, tools/test.py's strict loading, one-line errors of the CLI and the
environment's Python for the dist scripts."""
import glob
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from helpers import REPO, TESTS, free_port, payload_file

from mmdense.utils.checkpoint import CheckpointError, load_checkpoint_file

DEMO = 'configs/densecl/demo.py'
FCN = 'configs/smoke/fcn_r50-d8_synthetic-voc12aug.py'
# the narrow DenseCL of test_reliability.py: 5 iterations, a checkpoint each
SMALL = """
_base_ = {base!r}
model = dict(
    backbone=dict(base_channels=16),
    head=dict(in_channels=128, hid_channels=64, out_channels=32,
              queue_len=16, dense_warmup_iters=2))
train_cfg = dict(max_iters={iters})
train_dataloader = dict(batch_size=4, num_workers=0,
                        persistent_workers=False)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=1, max_keep_ckpts={keep}))
log_processor = dict(window_size=1)
custom_hooks = [dict(type='TransferMetaHook')]
"""


def _small_config(folder, iters=5, keep=2, extra=''):
    path = osp.join(folder, f'small_{iters}_{keep}.py')
    with open(path, 'w') as f:
        f.write(
            SMALL.format(base=osp.join(REPO, DEMO), iters=iters, keep=keep) +
            extra)
    return path


def _tool(args, cwd, env=None):
    """Run a repository tool; its status and stdout + stderr."""
    script = osp.join(REPO, args[0])
    environ = {k: v for k, v in os.environ.items() if k != 'MMDENSE_DEBUG'}
    environ.update(PYTHONUNBUFFERED='1', **(env or {}))
    proc = subprocess.run([sys.executable, script, *args[1:]],
                          cwd=cwd,
                          env=environ,
                          capture_output=True,
                          text=True,
                          timeout=600)
    return proc.returncode, proc.stdout, proc.stderr


def _scalars(work_dir):
    out = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*/vis_data/scalars.json'))):
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if 'loss' in rec:
                    out[rec['iter']] = rec
    return out


def test_no_tool_runs_a_payload_checkpoint(run_dir):
    """A checkpoint whose unpickling runs a shell command, handed to every
    tool that reads checkpoints: nothing runs, each refuses in one line
    naming the file."""
    marker = run_dir / 'PWNED'
    zip_p = str(run_dir / 'evil.pth')
    legacy_p = str(run_dir / 'evil_legacy.pth')
    payload_file(zip_p, marker)
    payload_file(legacy_p, marker, legacy=True)
    small = _small_config(str(run_dir), iters=1)
    planted = run_dir / 'planted'
    os.makedirs(planted)
    shutil.copy(zip_p, planted / 'iter_99.pth')
    refusal = ('refused to load {}: it holds pickled Python objects '
               '(posix.system), which can run code when loaded; mmdense '
               'loads weights only. Pass --trust only if you trust its '
               'source.')
    runs = [
        (['tools/model_converters/export_weights.py', zip_p,
          'o1.pth'], 'export refused: '),
        (['tools/model_converters/export_weights.py', legacy_p,
          'o2.pth'], 'export refused: '),
        ([
            'tools/model_converters/extract_transfer_weights.py', zip_p,
            'o3.pth'
        ], 'error: '),
        (['tools/model_converters/import_official.py', zip_p,
          'o4.pth'], 'import refused: '),
        (['tools/test.py',
          osp.join(REPO, FCN), zip_p, '--work-dir', 't1'], 'error: '),
        (['tools/test.py',
          osp.join(REPO, FCN), legacy_p, '--work-dir', 't2'], 'error: '),
        ([
            'tools/transfer.py', '--checkpoint', zip_p, '--benchmarks',
            osp.join(REPO, FCN), '--work-dir', 'tr'
        ], 'error: '),
        ([
            'tools/analysis_tools/visualize_dense.py',
            osp.join(REPO, DEMO), '--checkpoint', zip_p, '--out', 'v.png'
        ], 'error: '),
        (['tools/train.py', small, '--work-dir', 'w1', '--resume',
          zip_p], 'error: '),
        (['tools/train.py', small, '--work-dir', 'w2', '--resume',
          legacy_p], 'error: '),
        ([
            'tools/train.py', small, '--work-dir', 'w3', '--cfg-options',
            f'load_from={zip_p}'
        ], 'error: '),
    ]
    for args, prefix in runs:
        path = zip_p if any(zip_p in a for a in args) else legacy_p
        code, out, err = _tool(args, cwd=str(run_dir))
        assert not marker.exists(), args
        assert code == 1, (args, err[-2000:])
        last = err.rstrip('\n').split('\n')[-1]
        assert last == prefix + refusal.format(path), (args, err[-2000:])
    # --resume with the file planted in the work dir: skipped by name, the
    # run starts from iteration 0 and trains
    code, out, err = _tool(
        ['tools/train.py', small, '--work-dir',
         str(planted), '--resume'],
        cwd=str(run_dir))
    assert code == 0, err[-2000:]
    assert not marker.exists()
    planted_file = planted / 'iter_99.pth'
    assert (f'resume: skipping {planted_file}: refused to load the file: it '
            'holds pickled Python objects (posix.system)') in out + err
    assert 'resume: no complete checkpoint' in out + err
    # the pretrained= loader too
    from mmdense.weights import read_weights
    with pytest.raises(CheckpointError) as err:
        read_weights(zip_p)
    assert str(err.value).startswith(refusal.format(zip_p).split(' Pass ')[0])
    assert f'export_weights.py {zip_p} OUT.pth --trust' in str(err.value)
    assert not marker.exists()


# ------------------------------------------------------------ the NaN guard
def _nan_message(out):
    found = re.findall(r'non-finite loss at iteration (\d+): (.*)', out)
    assert found, out[-3000:]
    return int(found[-1][0]), found[-1][1]


def test_nan_guard_at_lr_1e6_advises_a_fresh_start_that_works(run_dir):
    """lr 1e6 (1e5 in the warm-up's first step): after one step the
    parameters are 4.6e4 times larger than at the start, then BN running
    variances pass 1e19 and turn inf while the loss is still finite, and
    the loss is NaN at iteration 5.  Every checkpoint is written but marked
    unhealthy, so the guard names none and says to start again; doing
    exactly that with a lower lr trains to the end with finite losses and
    healthy checkpoints."""
    config = _small_config(
        str(run_dir),
        iters=8,
        extra=('optim_wrapper = dict(optimizer=dict(lr=1e6))\n'))
    work = str(run_dir / 'nan')
    code, out, err = _tool(['tools/train.py', config, '--work-dir', work],
                           cwd=str(run_dir))
    assert code == 1
    it, message = _nan_message(out + err)
    assert it == 5
    assert message.endswith(
        'Training stopped, nothing of this state was checkpointed; no good '
        'checkpoint was written yet: lower the learning rate (--cfg-options '
        'optim_wrapper.optimizer.lr=...) and/or clip gradients '
        '(optim_wrapper.clip_grad.max_norm=...) and start again without '
        '--resume.')
    assert 'iter_1.pth: the parameters grew' in out + err
    for path in glob.glob(osp.join(work, 'iter_*.pth')):
        assert load_checkpoint_file(path)['meta']['healthy'] is False
    shutil.rmtree(work)
    code, out, err = _tool([
        'tools/train.py', config, '--work-dir', work, '--cfg-options',
        'optim_wrapper.optimizer.lr=0.001',
        'optim_wrapper.clip_grad.max_norm=1'
    ],
                           cwd=str(run_dir))
    assert code == 0, (out + err)[-3000:]
    scalars = _scalars(work)
    assert sorted(scalars) == list(range(1, 9))
    assert all(np.isfinite(r['loss']) for r in scalars.values())
    assert load_checkpoint_file(osp.join(
        work, 'iter_8.pth'))['meta']['healthy'] is True


class _Diverge:
    """From iteration ``at`` on, multiply a conv weight by 1e5 after each
    iteration (its loss stays finite for a while, as a diverging run's
    does); make the loss NaN at ``nan_at``."""

    def __init__(self, at, nan_at):
        self.at, self.nan_at = at, nan_at

    def hooks(self):
        from mmengine.hooks import Hook
        outer = self

        class Hooked(Hook):
            priority = 'VERY_HIGH'

            def before_train(self, runner):
                head = runner.model.head.projector

                def poison(module, args, output):
                    if runner.iter + 1 == outer.nan_at:
                        return output[0] * float('nan'), output[1], output[2]
                    return output

                head.register_forward_hook(poison)

            def after_train_iter(self,
                                 runner,
                                 batch_idx,
                                 data_batch=None,
                                 outputs=None):
                if runner.iter + 1 >= outer.at:
                    with torch.no_grad():
                        runner.model.backbone.conv1.weight.mul_(1e5)

        return [Hooked()]


def test_nan_guard_names_a_healthy_checkpoint_kept_past_max_keep(run_dir):
    """Healthy for two iterations, diverging from the third (parameters x1e5,
    loss finite), NaN at the fifth, max_keep_ckpts=1: the guard names
    iter_2, which was kept although iter_3 and iter_4 were written after
    it (both marked unhealthy, iter_3 pruned); following the advice
    literally (lower lr, clip, --resume iter_2) trains to the end with
    finite losses, healthy checkpoints and the new lr."""
    from mmengine.config import Config

    from mmdense.engine import NonFiniteLossError, build_runner
    config = _small_config(str(run_dir), iters=8, keep=1)
    work = str(run_dir / 'div')
    cfg = Config.fromfile(config)
    cfg.work_dir, cfg.launcher = work, 'none'
    cwd = os.getcwd()
    os.chdir(run_dir)
    try:
        runner = build_runner(cfg)
        for hook in _Diverge(at=3, nan_at=5).hooks():
            runner.register_hook(hook)
        with pytest.raises(NonFiniteLossError) as err:
            runner.train()
    finally:
        os.chdir(cwd)
    message = str(err.value)
    good = osp.join(work, 'iter_2.pth')
    assert message.startswith('non-finite loss at iteration 5: loss_global='
                              'nan')
    assert ('the last good checkpoint (all tensors finite and not huge, all '
            f'logged losses finite) is {good}. Lower the learning rate '
            '(--cfg-options optim_wrapper.optimizer.lr=...) and/or clip '
            'gradients (optim_wrapper.clip_grad.max_norm=...), then run the '
            f'same command with --resume {good} (a resumed run takes the new '
            'lr and schedule).') in message
    assert sorted(os.listdir(work)).count('iter_2.pth') == 1
    assert not osp.exists(osp.join(work, 'iter_3.pth'))  # pruned
    assert load_checkpoint_file(osp.join(
        work,
        'iter_4.pth'))['meta']['unhealthy'].startswith('the parameters grew')
    code, out, err = _tool([
        'tools/train.py', config, '--work-dir', work, '--resume', good,
        '--cfg-options', 'optim_wrapper.optimizer.lr=0.001',
        'optim_wrapper.clip_grad.max_norm=1'
    ],
                           cwd=str(run_dir))
    assert code == 0, (out + err)[-3000:]
    scalars = _scalars(work)
    for i in range(3, 9):
        assert np.isfinite(scalars[i]['loss'])
        assert scalars[i]['lr'] == pytest.approx(0.001)
    assert load_checkpoint_file(osp.join(
        work, 'iter_8.pth'))['meta']['healthy'] is True
    assert not osp.exists(good)  # iter_8 is the newest good one: pruned


def test_resume_applies_a_changed_lr_as_a_fresh_run_would(run_dir):
    """Resume at iteration 3 with lr 0.01 instead of 0.03: iterations 4-5
    log the lr a run started with 0.01 logs (warm-up replayed), and the
    change is logged; an unchanged config logs nothing of it."""
    from mmengine.config import Config

    from mmdense.engine import build_runner
    config = _small_config(
        str(run_dir),
        iters=5,
        keep=5,
        extra=('param_scheduler = [dict(type="LinearLR", start_factor=0.1, '
               'by_epoch=False, begin=0, end=4)]\n'))

    def train(work, lr, resume=None, iters=5):
        cfg = Config.fromfile(config)
        cfg.work_dir, cfg.launcher = str(run_dir / work), 'none'
        cfg.optim_wrapper.optimizer.lr = lr
        cfg.train_cfg.max_iters = iters
        if resume:
            cfg.resume, cfg.load_from = True, str(run_dir / resume)
        runner = build_runner(cfg)
        runner.train()
        return _scalars(cfg.work_dir), runner

    cwd = os.getcwd()
    os.chdir(run_dir)
    try:
        train('a', 0.03, iters=3)
        resumed, runner = train('a', 0.01, resume='a/iter_3.pth')
        fresh, _ = train('b', 0.01)
        same, _ = train('c', 0.03, resume='a/iter_3.pth')
    finally:
        os.chdir(cwd)
    for i in (4, 5):
        assert resumed[i]['lr'] == fresh[i]['lr']
    assert fresh[4]['lr'] == pytest.approx(0.01)
    assert fresh[5]['lr'] == pytest.approx(0.01)
    log = ''.join(
        open(p).read() for p in glob.glob(str(run_dir / 'a/*/*.log')))
    assert ("resume: the config's optimizer / schedule differs from the "
            "checkpoint's; continuing at iteration 3 with the config's, "
            'replayed from the start: group 0 initial_lr: 0.03 -> 0.01; '
            'group 0 lr: ') in log
    assert 'scheduler 0 (LinearLR) base_values: [0.03] -> [0.01]' in log
    log_c = ''.join(
        open(p).read() for p in glob.glob(str(run_dir / 'c/*/*.log')))
    assert 'differs from the checkpoint' not in log_c


# --------------------------------------------------------------- test.py
def test_test_py_loads_strictly(run_dir):
    """A pre-training checkpoint evaluated with an FCN config stops at the
    key diff (instead of printing an mIoU from a random decode head), and
    --allow-partial evaluates anyway."""
    config = _small_config(str(run_dir), iters=1)
    code, out, err = _tool(['tools/train.py', config, '--work-dir', 'pre'],
                           cwd=str(run_dir))
    assert code == 0, err[-2000:]
    ckpt = str(run_dir / 'pre' / 'iter_1.pth')
    args = ['tools/test.py', osp.join(REPO, FCN), ckpt, '--work-dir', 'ev']
    code, out, err = _tool(args, cwd=str(run_dir))
    assert code == 1
    assert f'error: {ckpt} does not match the model of the config: ' in err
    assert 'It is a pre-training checkpoint: fine-tune it first ' \
        '(tools/transfer.py)' in err
    assert 'Pass --allow-partial to evaluate a partly loaded model anyway.' \
        in err
    assert '\n  missing (' in err and '\n  unexpected (' in err
    assert "'head.queue.keys'" in err  # a pre-training key
    assert not re.search(r'mIoU: [\d.]+', out)  # nothing evaluated
    code, out, err = _tool(args + ['--allow-partial'], cwd=str(run_dir))
    assert code == 0, err[-2000:]
    assert re.search(r'mIoU: [\d.]+', out)


# ---------------------------------------------------------------- the CLI
def test_user_errors_are_one_line_and_debug_shows_the_traceback(tmp_path):
    missing = str(tmp_path / 'nope.py')
    code, out, err = _tool(['tools/train.py', missing], cwd=str(tmp_path))
    assert code == 1 and 'Traceback' not in err
    assert err.rstrip('\n').split('\n')[-1] == \
        f'error: config "{missing}" not found'
    code, out, err = _tool(['tools/train.py', missing, '--debug'],
                           cwd=str(tmp_path))
    assert code == 1 and 'Traceback (most recent call last)' in err
    code, out, err = _tool(['tools/train.py', missing],
                           cwd=str(tmp_path),
                           env=dict(MMDENSE_DEBUG='1'))
    assert 'Traceback (most recent call last)' in err
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    for tool in ('tools/model_converters/extract_transfer_weights.py',
                 'tools/model_converters/export_weights.py'):
        code, out, err = _tool([tool, str(empty), 'o.pth'], cwd=str(tmp_path))
        assert code == 1 and 'Traceback' not in err
        assert err.endswith(
            f'{empty} is empty (0 bytes: an interrupted copy or save)\n')


def test_dist_scripts_use_the_environment_python(tmp_path):
    """python.sh (sourced by dist_train.sh / dist_test.sh / slurm): the
    active environment's Python, else the repository's .venv, whatever
    `python` is first on PATH."""
    venv = osp.dirname(osp.dirname(sys.executable))
    root = tmp_path / 'repo'
    os.makedirs(root)
    os.symlink(venv, root / '.venv')
    fake = tmp_path / 'bin'
    os.makedirs(fake)
    (fake / 'python').write_text('#!/bin/sh\nexit 3\n')
    (fake / 'python').chmod(0o755)
    script = osp.join(REPO, 'tools/misc/python.sh')

    def which(**env):
        environ = {
            k: v
            for k, v in os.environ.items()
            if k not in ('VIRTUAL_ENV', 'CONDA_PREFIX', 'PYTHON')
        }
        environ.update(PATH=f'{fake}:/usr/bin:/bin', **env)
        proc = subprocess.run(
            ['bash', '-c', f'ROOT={root}; . {script}; echo "$PY"'],
            env=environ,
            capture_output=True,
            text=True)
        return proc.returncode, proc.stdout.strip(), proc.stderr

    assert which(VIRTUAL_ENV=venv) == (0, f'{venv}/bin/python', '')
    assert which() == (0, f'{root}/.venv/bin/python', '')
    assert which(PYTHON=sys.executable)[1] == sys.executable
    os.unlink(root / '.venv')
    os.makedirs(root / '.venv' / 'bin')
    shutil.copy(fake / 'python', root / '.venv' / 'bin' / 'python')
    code, _, err = which()
    assert code == 1 and 'cannot import torch and mmengine' in err


def test_nan_on_one_process_every_process_names_the_same_checkpoint(run_dir):
    """Two gloo processes, NaN on rank 1 only at iteration 3: both stop at
    iteration 3 and both name rank 0's last good checkpoint (only rank 0
    writes checkpoints; the path is broadcast)."""
    config = _small_config(
        str(run_dir),
        iters=4,
        extra=("custom_imports = dict(imports=['reliability_hooks'], "
               'allow_failed_imports=False)\n'
               "custom_hooks = [dict(type='TransferMetaHook'), "
               "dict(type='NaNOnRankHook', iteration=3, rank=1)]\n"))
    work = str(run_dir / 'ddp')
    env = {k: v for k, v in os.environ.items() if k != 'MMDENSE_DEBUG'}
    env['PYTHONPATH'] = os.pathsep.join([TESTS, env.get('PYTHONPATH', '')])
    env['PORT'] = str(free_port())
    proc = subprocess.run([
        'bash',
        osp.join(REPO, 'tools/dist_train.sh'), config, '2', '--work-dir', work
    ],
                          cwd=str(run_dir),
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    good = osp.join(work, 'iter_2.pth')
    messages = re.findall(r'non-finite loss at iteration 3: [^\n]*', out)
    assert len(messages) >= 2, out[-3000:]  # one per process
    assert all(f'the last good checkpoint (all tensors finite and not '
               f'huge, all logged losses finite) is {good}.' in m
               for m in messages), messages
    assert osp.isfile(good)
