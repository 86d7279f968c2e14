"""Checkpoints that cannot run code, that are checked on load, a NaN guard
whose advice works, resume that picks the right file and applies a changed
schedule, and one-line errors (issue 16)."""
import glob
import json
import os
import os.path as osp
import random
import re
import shutil
import struct
import subprocess
import sys
import warnings
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import REPO
from helpers import free_port
from mmengine.logging import HistoryBuffer

from mmdense.utils.checkpoint import (CheckpointError,
                                      find_complete_checkpoint,
                                      load_checkpoint_file, seal,
                                      stale_temp_files)

DEMO = 'configs/densecl/demo.py'
FCN = 'configs/smoke/fcn_r50-d8_synthetic-voc12aug.py'
# the narrow DenseCL of test_reliability: 5 iterations, one checkpoint each
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


# ------------------------------------------------------- weights-only files
def test_own_checkpoint_state_is_plain_and_comes_back_exactly(tmp_path):
    """The message hub's HistoryBuffer logs, numpy random states and numpy
    scalars are stored as plain values: torch's own weights-only loader
    takes the file, and decoding gives back the same objects, bit for
    bit."""
    buf = HistoryBuffer()
    for v, n in ((1.5, 1), (0.1 + 0.2, 3), (2.5, 1)):
        buf.update(v, n)
    np.random.seed(3)
    rng = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())
    ckpt = dict(
        meta=dict(iter=7, epoch=0, lr=np.float64(0.1)),
        state_dict=dict(w=torch.arange(4.)),
        message_hub=dict(
            log_scalars={'train/loss': buf},
            runtime_info=dict(iter=7),
            resumed_keys={'train/loss': True}),
        resume_state=dict(rng=rng))
    seal(ckpt)
    path = str(tmp_path / 'iter_7.pth')
    torch.save(ckpt, path)
    raw = torch.load(path, weights_only=True)  # no allow-listed class
    assert raw['integrity']['tensors'] == 2  # w and the torch rng state
    got = load_checkpoint_file(path)
    log, count = got['message_hub']['log_scalars']['train/loss'].data
    np.testing.assert_array_equal(log, [1.5, 0.1 + 0.2, 2.5])
    np.testing.assert_array_equal(count, [1, 3, 1])
    assert log.dtype == buf.data[0].dtype
    assert count.dtype == buf.data[1].dtype
    state = got['resume_state']['rng']['numpy']
    assert state[0] == 'MT19937' and state[1].dtype == np.uint32
    np.testing.assert_array_equal(state[1], rng['numpy'][1])
    assert got['resume_state']['rng']['python'] == rng['python']
    assert got['meta']['lr'] == 0.1 and isinstance(got['meta']['lr'],
                                                   np.float64)


def test_stock_mmengine_checkpoint_needs_trust(tmp_path):
    buf = HistoryBuffer()
    buf.update(1.0)
    path = str(tmp_path / 'mmdet_epoch_12.pth')
    torch.save(
        dict(
            state_dict=dict(w=torch.ones(2)),
            message_hub=dict(log_scalars={'loss': buf})), path)
    with pytest.raises(CheckpointError) as err:
        load_checkpoint_file(path)
    assert str(err.value) == (
        f'refused to load {path}: it was written by stock mmengine and '
        'pickles mmengine.logging.history_buffer.HistoryBuffer (e.g. an '
        'mmdet / mmseg training run, or mmdense before weights-only '
        'checkpoints); mmdense loads weights only. Pass --trust only if you '
        'trust its source.')
    with pytest.warns(
            UserWarning,
            match=f'{re.escape(path)}: loading with '
            r'full unpickling \(--trust\)'):
        got = load_checkpoint_file(path, trust=True)
    assert got['message_hub']['log_scalars']['loss'].current() == 1.0


def _flip_tensor_byte(path, out, record='/data/0'):
    """Copy ``path`` with one byte of a tensor record flipped (its CRC is
    left as it was)."""
    data = bytearray(open(path, 'rb').read())
    with zipfile.ZipFile(path) as z:
        info = next(i for i in z.infolist() if i.filename.endswith(record))
    h = info.header_offset
    n, e = struct.unpack('<HH', data[h + 26:h + 30])
    data[h + 30 + n + e] ^= 0x40
    open(out, 'wb').write(bytes(data))


def test_damaged_files_are_named_as_such(tmp_path):
    good = str(tmp_path / 'good.pth')
    obj = dict(state_dict=dict(w=torch.ones(64)))
    seal(obj)
    torch.save(obj, good)
    cases = {}
    cases['empty.pth'] = b''
    cases['random.pth'] = bytes(
        random.Random(0).randrange(256) for _ in range(4096))
    cases['truncated.pth'] = open(good, 'rb').read()[:700]
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    crc = str(tmp_path / 'crc.pth')
    _flip_tensor_byte(good, crc)
    # a legacy (pre-zip) file has no CRC: its tensor digest catches it
    legacy = str(tmp_path / 'legacy.pth')
    torch.save(obj, legacy, _use_new_zipfile_serialization=False)
    data = bytearray(open(legacy, 'rb').read())
    data[-10] ^= 0x40  # inside the last storage (w)
    bad_legacy = str(tmp_path / 'legacy_bad.pth')
    open(bad_legacy, 'wb').write(bytes(data))
    assert load_checkpoint_file(legacy)['state_dict']['w'].sum() == 64
    expected = {
        'empty.pth': 'is empty (0 bytes: an interrupted copy or save)',
        'random.pth': 'is not a torch checkpoint (neither a zip archive '
        'nor a pickle)',
        'truncated.pth': 'is truncated (its zip directory is missing)',
        'crc.pth': 'is corrupt (CRC mismatch in record good/data/0: '
        'damaged on disk or in transfer; get a fresh copy)',
        'legacy_bad.pth': 'is corrupt: its tensors do not hash to the '
        'SHA-256 recorded when it was written',
        'missing.pth': None,
    }
    for name, message in expected.items():
        path = str(tmp_path / name)
        with pytest.raises(CheckpointError) as err:
            load_checkpoint_file(path)
        text = str(err.value)
        assert '\n' not in text
        if message is None:
            assert text == f'checkpoint "{path}" does not exist'
        else:
            assert text.startswith(f'{path} {message}'), text


def test_flipped_export_fails_pretrained_loading(tmp_path):
    """A one-byte flip in an exported weights file used to load a weight of
    1e35 through ``pretrained=``; now the CRC check refuses the file."""
    from mmdense.utils import save_checkpoint_file
    from mmdense.weights import read_weights
    out = str(tmp_path / 'weights.pth')
    save_checkpoint_file(
        dict(
            state_dict={'backbone.conv1.weight': torch.randn(8, 3, 3, 3)},
            meta=dict(format='mm')), out)
    assert set(read_weights(out)) == {'backbone.conv1.weight'}
    bad = str(tmp_path / 'weights_flipped.pth')
    _flip_tensor_byte(out, bad)
    with pytest.raises(
            CheckpointError,
            match=re.escape(f'{bad} is corrupt (CRC mismatch in record')):
        read_weights(bad)


# ----------------------------------- a payload reaches no tool's unpickler
class _Payload:

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def _payload_file(path, marker, legacy=False):
    obj = dict(
        state_dict={'backbone.conv1.weight': torch.zeros(1)},
        meta=dict(
            iter=10,
            epoch=0,
            transfer=dict(
                source='student', student={'backbone.': 'backbone.'})),
        message_hub={},
        x=_Payload(marker))
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    with warnings.catch_warnings():  # the payload is real: check it runs
        warnings.simplefilter('ignore')
        probe = str(marker) + '.probe'
        torch.save(_Payload(probe), path + '.probe')
        torch.load(path + '.probe', weights_only=False)
        assert osp.exists(probe)
        os.unlink(probe)
        os.unlink(path + '.probe')


def test_no_tool_runs_a_payload_checkpoint(run_dir):
    """A checkpoint whose unpickling runs a shell command, handed to every
    tool that reads checkpoints: nothing runs, each refuses in one line
    naming the file."""
    marker = run_dir / 'PWNED'
    zip_p = str(run_dir / 'evil.pth')
    legacy_p = str(run_dir / 'evil_legacy.pth')
    _payload_file(zip_p, marker)
    _payload_file(legacy_p, marker, legacy=True)
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


# ------------------------------------------------------- picking checkpoints
def _training_file(path, iteration, healthy=True):
    obj = dict(
        meta=dict(iter=iteration, epoch=0, healthy=healthy),
        state_dict=dict(w=torch.full((2, ), float(iteration))),
        message_hub=dict(log_scalars={}, runtime_info={}, resumed_keys={}))
    seal(obj)
    torch.save(obj, path)


def test_resume_takes_the_highest_complete_training_checkpoint(tmp_path):
    """Not the newest file: exported weights, a bare tensor, a truncated
    file, an unhealthy checkpoint and a payload beside valid ones are
    skipped by name; the highest iteration among the rest wins."""
    w = tmp_path
    _training_file(str(w / 'iter_10.pth'), 10)
    _training_file(str(w / 'iter_8.pth'), 8)
    _training_file(str(w / 'iter_12.pth'), 12, healthy=False)
    os.utime(w / 'iter_8.pth', (1e9, 2e9))  # iter_8 is the newest file
    from mmdense.utils import save_checkpoint_file
    save_checkpoint_file(
        dict(state_dict=dict(w=torch.ones(1)), meta=dict(format='mm')),
        str(w / 'iter_20.pth'))
    torch.save(torch.ones(3), w / 'epoch_30.pth')
    (w / 'iter_40.pth').write_bytes(open(w / 'iter_10.pth', 'rb').read()[:900])
    _payload_file(str(w / 'iter_50.pth'), w / 'PWNED')
    warned = []
    assert find_complete_checkpoint(
        str(w), warn=warned.append) == str(w / 'iter_10.pth')
    assert not (w / 'PWNED').exists()
    text = '\n'.join(warned)
    for name, why in (('iter_20.pth',
                       'not a training checkpoint (no meta.iter / '
                       'meta.epoch, message_hub: exported weights?)'),
                      ('epoch_30.pth',
                       'not a training checkpoint (a bare Tensor)'),
                      ('iter_40.pth',
                       'truncated (its zip directory is missing)'),
                      ('iter_50.pth',
                       'refused to load the file: it holds pickled '
                       'Python objects (posix.system)'), ('iter_12.pth',
                                                          'not healthy')):
        assert f'resume: skipping {w / name}: {why}' in text, text
    assert len(warned) == 5


def test_stale_partial_files_are_removed_at_the_next_start(tmp_path):
    from mmdense.engine import Runner
    for name in ('.iter_4.pth.abc123.tmp', '.epoch_2.pth.x_y.tmp'):
        (tmp_path / name).write_bytes(b'\0' * 2048)
    (tmp_path / '.weights.pth.abc.tmp').write_bytes(b'')  # not ours: kept
    assert len(stale_temp_files(str(tmp_path))) == 2
    logged = []
    runner = SimpleNamespace(
        work_dir=str(tmp_path), logger=SimpleNamespace(warning=logged.append))
    Runner._remove_stale_temp_files(runner)
    assert stale_temp_files(str(tmp_path)) == []
    assert (tmp_path / '.weights.pth.abc.tmp').exists()
    assert logged == [
        'removed 2 partial checkpoint file(s) left by killed saves (0 MiB) '
        f'in {tmp_path}: .epoch_2.pth.x_y.tmp, .iter_4.pth.abc123.tmp'
    ]


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
    assert not osp.exists(good)  # no longer the newest good one: pruned


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
    """A pre-training checkpoint evaluated with an FCN config used to print
    an mIoU from a random decode head; now the key diff stops it, and
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


def test_a_moved_milestone_is_applied_on_resume():
    """Moving a MultiStepLR milestone from 6 to 4 changes nothing at the
    resumed iteration 3, only later: the scheduler states differ, so the
    config's schedule is taken, and iterations 4-6 get the lr of a fresh
    run with milestone 4.  An unchanged config keeps the loaded state."""
    from mmengine.optim import MultiStepLR, OptimWrapper

    from mmdense.engine.resume_schedule import apply_config_schedule, snapshot

    def runner(milestone, steps):
        param = torch.nn.Parameter(torch.zeros(1))
        wrapper = OptimWrapper(torch.optim.SGD([param], lr=0.1))
        sched = MultiStepLR(
            wrapper, milestones=[milestone], gamma=0.1, by_epoch=False)
        for _ in range(steps):
            sched.step()
        return SimpleNamespace(
            optim_wrapper=wrapper,
            param_schedulers=[sched],
            iter=steps,
            epoch=0,
            train_loop=SimpleNamespace())

    def lrs(r, n):
        out = []
        for _ in range(n):
            out.append(r.optim_wrapper.optimizer.param_groups[0]['lr'])
            r.param_schedulers[0].step()
        return out

    fresh = runner(4, 0)
    fresh_snap = snapshot(fresh)
    reference = lrs(runner(4, 0), 7)
    resumed = runner(6, 3)  # as loaded from the checkpoint
    changes = apply_config_schedule(resumed, fresh_snap)
    assert changes == [
        'scheduler 0 (MultiStepLR) milestones: Counter({6: 1}) -> '
        'Counter({4: 1})'
    ]
    assert lrs(resumed, 4) == reference[3:7]
    same = runner(6, 3)
    assert apply_config_schedule(same, snapshot(runner(6, 0))) == []
    assert lrs(same, 4) == lrs(runner(6, 0), 7)[3:7]


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
    env['PYTHONPATH'] = os.pathsep.join(
        [osp.dirname(osp.abspath(__file__)),
         env.get('PYTHONPATH', '')])
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
