"""Checkpoint files (mmdense.utils.checkpoint): weights-only state that comes
back exactly, refusal of pickled objects without trust, damaged files named
as such, atomic writes, and the choice of the checkpoint to resume from."""
import os
import random
import re

import numpy as np
import pytest
import torch
from helpers import flip_tensor_byte, payload_file
from mmengine.logging import HistoryBuffer

from mmdense.utils.checkpoint import (CheckpointError, checkpoint_problem,
                                      find_complete_checkpoint,
                                      load_checkpoint_file, seal)


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
    flip_tensor_byte(good, crc)
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
    payload_file(str(w / 'iter_50.pth'), w / 'PWNED')
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


def test_atomic_write_leaves_old_file_or_new_one(tmp_path):
    from mmdense.utils.checkpoint import atomic_write
    out = str(tmp_path / 'iter_2.pth')
    atomic_write(out, lambda f: torch.save({'w': torch.ones(3)}, f))

    def crash(f):
        f.write(b'PK partial')
        raise KeyboardInterrupt  # e.g. killed while writing

    with pytest.raises(KeyboardInterrupt):
        atomic_write(out, crash)
    assert os.listdir(tmp_path) == ['iter_2.pth']  # no temp file left
    assert checkpoint_problem(out) is None
    assert torch.equal(torch.load(out)['w'], torch.ones(3))
