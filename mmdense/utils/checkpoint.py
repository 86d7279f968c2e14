"""Reading and writing checkpoints without running code.

No file is unpickled in full by default: every checkpoint is loaded with
``torch.load(weights_only=True)`` (:func:`load_checkpoint_file`), which
admits tensors and plain Python values only (dict, list, tuple, set, str,
bytes, numbers, ``None``, ``torch.Size`` / dtype / device).  mmdense's own
checkpoints are written that way (:func:`encode_plain`): the parts mmengine
keeps as Python objects - the message hub's ``HistoryBuffer`` logs, numpy
arrays and scalars (random states, logged values) - are stored as marked
plain dicts and rebuilt on load (:func:`decode_plain`); no class is
allow-listed with ``torch.serialization.add_safe_globals``.  Files that
truly need pickle (stock mmengine / mmdet / mmseg training checkpoints,
whose ``HistoryBuffer`` is pickled; old official releases) load only with
``trust=True`` (the tools' ``--trust``), with a warning naming the file.

Every checkpoint mmdense writes carries ``integrity``: the SHA-256 of its
tensors (key path, dtype, shape and bytes, in order), checked on load
together with the CRC of every record of the zip archive
(:func:`checkpoint_problem`), so a truncated, zero-byte, random or
bit-flipped file is reported as such, never loaded.

Also here: :func:`atomic_write` / :func:`atomic_path` (a file appears
complete or not at all), :func:`find_complete_checkpoint` (what ``--resume``
picks: the highest iteration among complete training checkpoints) and
:func:`stale_temp_files` (partial files left by killed saves).
"""
import hashlib
import os
import os.path as osp
import pickle
import re
import tempfile
import warnings
import zipfile
from collections import Counter, OrderedDict
from contextlib import contextmanager
from typing import Any, Callable, List, Optional, Tuple

import numpy as np
import torch


class CheckpointError(ValueError):
    """A checkpoint file that cannot or must not be loaded; the message is
    one line naming the file and what to do."""


# ---------------------------------------------- plain (weights-only) values
_MARK = '__mmdense__'
_PLAIN = (str, bytes, int, float, complex, bool, type(None), torch.Tensor,
          torch.Size, torch.dtype, torch.device)


def _ndarray(arr: np.ndarray, where: str) -> dict:
    if arr.dtype.hasobject:
        raise TypeError(f'{where}: a numpy array of Python objects cannot be '
                        'stored weights-only')
    return {
        _MARK: 'ndarray',
        'dtype': arr.dtype.str,
        'shape': list(arr.shape),
        'data': np.ascontiguousarray(arr).tobytes()
    }


def encode_plain(obj: Any,
                 where: str = 'checkpoint',
                 dropped: Optional[list] = None) -> Any:
    """``obj`` with every value weights-only loading refuses replaced by a
    plain dict marked ``'__mmdense__'``: numpy arrays and scalars (dtype,
    shape and bytes: exact), mmengine ``HistoryBuffer`` logs and
    ``Counter`` (``MultiStepLR`` milestones; other dict types become
    dicts).  A value
    of any other type is left out and its key path appended to
    ``dropped``."""
    from mmengine.logging import HistoryBuffer
    if isinstance(obj, np.ndarray):
        return _ndarray(obj, where)
    if isinstance(obj, np.generic):  # before _PLAIN: np.float64 is a float
        return dict(_ndarray(np.asarray(obj), where), **{_MARK: 'npscalar'})
    if isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, HistoryBuffer):
        log, count = obj.data
        return {
            _MARK: 'HistoryBuffer',
            'max_length': int(obj.max_length),
            'log': _ndarray(log, where),
            'count': _ndarray(count, where)
        }
    if isinstance(obj, Counter):  # MultiStepLR's milestones
        return {
            _MARK: 'Counter',
            'items':
            [[encode_plain(k, where, dropped), v] for k, v in obj.items()]
        }
    if isinstance(obj, dict):
        out = OrderedDict() if isinstance(obj, OrderedDict) else {}
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool, type(None))):
                if dropped is not None:
                    dropped.append(f'{where}[{k!r}]')
                continue
            value = encode_plain(v, f'{where}.{k}', dropped)
            if value is not _DROP:
                out[k] = value
        return out
    if isinstance(obj, (list, tuple, set)):
        items = [
            encode_plain(v, f'{where}[{i}]', dropped)
            for i, v in enumerate(obj)
        ]
        items = [v for v in items if v is not _DROP]
        return type(obj)(items) if not hasattr(obj, '_fields') else \
            tuple(items)
    if dropped is not None:
        dropped.append(f'{where} ({type(obj).__name__})')
    return _DROP


_DROP = object()


def _array(rec: dict) -> np.ndarray:
    return np.frombuffer(
        rec['data'],
        dtype=np.dtype(rec['dtype'])).reshape(rec['shape']).copy()


def decode_plain(obj: Any) -> Any:
    """The inverse of :func:`encode_plain`."""
    if isinstance(obj, dict):
        kind = obj.get(_MARK)
        if kind == 'ndarray':
            return _array(obj)
        if kind == 'npscalar':
            return _array(obj)[()]
        if kind == 'Counter':
            return Counter({k: v for k, v in obj['items']})
        if kind == 'HistoryBuffer':
            from mmengine.logging import HistoryBuffer
            buf = HistoryBuffer(max_length=obj['max_length'])
            buf._log_history = _array(obj['log'])
            buf._count_history = _array(obj['count'])
            return buf
        out = type(obj)() if isinstance(obj, OrderedDict) else {}
        for k, v in obj.items():
            out[k] = decode_plain(v)
        return out
    if isinstance(obj, (list, tuple, set)):
        return type(obj)(decode_plain(v) for v in obj)
    return obj


# -------------------------------------------------------------- integrity
INTEGRITY_KEY = 'integrity'


def _walk_tensors(obj, path=''):
    if isinstance(obj, torch.Tensor):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if not (path == '' and k == INTEGRITY_KEY):
                yield from _walk_tensors(v, f'{path}/{k}')
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _walk_tensors(v, f'{path}/{i}')


def tensor_digest(obj) -> Tuple[str, int]:
    """SHA-256 of every tensor of ``obj`` (key path, dtype, shape, bytes) in
    traversal order, and the number of tensors."""
    sha, n = hashlib.sha256(), 0
    for path, t in _walk_tensors(obj):
        t = t.detach()
        sha.update(f'{path}|{t.dtype}|{tuple(t.shape)}|'.encode())
        if t.numel():
            data = t.cpu().contiguous().reshape(-1).view(torch.uint8)
            sha.update(data.numpy())
        n += 1
    return sha.hexdigest(), n


def seal(obj: dict) -> dict:
    """``obj`` (a checkpoint dict) made weights-only loadable
    (:func:`encode_plain`) with its ``integrity`` record; returns the
    key paths that could not be stored."""
    dropped: list = []
    plain = encode_plain(obj, 'checkpoint', dropped)
    digest, n = tensor_digest(plain)
    plain[INTEGRITY_KEY] = dict(
        sha256=digest, tensors=n, algorithm='mmdense tensor_digest v1')
    obj.clear()
    obj.update(plain)
    return dropped


def save_checkpoint_file(obj: dict, out: str) -> None:
    """Write ``obj`` sealed (plain values + integrity record) to ``out``,
    atomically."""
    obj = dict(obj)
    seal(obj)
    atomic_write(out, lambda f: torch.save(obj, f))


# ----------------------------------------------------------------- loading
def _first_global(err: BaseException) -> Optional[str]:
    found = re.findall(
        r'(?:Unsupported global: GLOBAL|unsupported GLOBAL) '
        r'([\w.]+)', str(err))
    return found[0] if found else None


def load_checkpoint_file(path: str,
                         trust: bool = False,
                         option: str = '--trust',
                         mmap: bool = False,
                         verify: bool = True) -> Any:
    """Load a checkpoint on the CPU, weights-only, after checking that the
    file is complete (zip CRCs) and, when it records one, that its tensors
    hash to its ``integrity`` digest; mmdense's encoded values are decoded.

    ``trust=True`` unpickles in full (arbitrary code can run; only for files
    from a source the user trusts) and warns naming the file.  Every
    failure is one :class:`CheckpointError` line naming the file; ``option``
    is the flag that sets ``trust`` in the calling tool."""
    if not osp.isfile(path):
        raise CheckpointError(f'checkpoint "{path}" does not exist')
    problem = checkpoint_problem(path, crc=verify)
    if problem is not None:
        raise CheckpointError(f'{path} is {problem}')
    if trust:
        warnings.warn(f'{path}: loading with full unpickling ({option}); the '
                      'file can run code, use it only if you trust its '
                      'source')
    try:
        obj = torch.load(
            path,
            map_location='cpu',
            weights_only=not trust,
            mmap=mmap and zipfile.is_zipfile(path))
    except pickle.UnpicklingError as err:
        name = _first_global(err)
        if name is None:
            raise CheckpointError(
                f'{path} cannot be loaded weights-only '
                f'({str(err).splitlines()[-1][:120]}); pass {option} only if '
                'you trust its source (unpickling can run code)') from None
        if name.startswith('mmengine.'):
            why = (f'it was written by stock mmengine and pickles {name} '
                   '(e.g. an mmdet / mmseg training run, or mmdense before '
                   'weights-only checkpoints)')
        else:
            why = (f'it holds pickled Python objects ({name}), which can run '
                   'code when loaded')
        raise CheckpointError(
            f'refused to load {path}: {why}; mmdense loads weights only. '
            f'Pass {option} only if you trust its source.') from None
    except (EOFError, RuntimeError, OSError, ValueError) as err:
        raise CheckpointError(
            f'{path} is truncated or not a torch checkpoint '
            f'({type(err).__name__}: {str(err).splitlines()[0][:120]})'
        ) from None
    if verify and isinstance(obj, dict) and isinstance(
            obj.get(INTEGRITY_KEY), dict):
        expected = obj[INTEGRITY_KEY].get('sha256')
        digest, _ = tensor_digest(obj)
        if digest != expected:
            raise CheckpointError(
                f'{path} is corrupt: its tensors do not hash to the SHA-256 '
                'recorded when it was written (damaged on disk or in '
                'transfer); get a fresh copy')
    return decode_plain(obj)


# ------------------------------------------------------------ atomic files
@contextmanager
def atomic_path(out: str):
    """Yields a temporary path next to ``out``; when the block succeeds the
    file is flushed to disk (fsync) and renamed to ``out`` (``os.replace``,
    atomic on POSIX), otherwise it is removed.  ``out`` is therefore always
    either the old file or the complete new one, never a partial write."""
    directory = osp.dirname(osp.abspath(out))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(out)}.', suffix='.tmp', dir=directory)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, 'rb') as f:
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write(out: str, write: Callable) -> None:
    """``write(f)`` into a binary file that appears at ``out`` complete or
    not at all (see :func:`atomic_path`)."""
    with atomic_path(out) as tmp:
        with open(tmp, 'wb') as f:
            write(f)


# ------------------------------------------------ checkpoints of a work dir
CHECKPOINT_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')
# the temporary files of atomic_path for checkpoints: .iter_N.pth.XXXX.tmp
TEMP_NAME = re.compile(r'^\.(epoch|iter)_\d+\.pth\.[^.]+\.tmp$')


def checkpoint_problem(path: str, crc: bool = True) -> Optional[str]:
    """``None`` for a complete checkpoint file, else what is wrong with it
    (reads the file once, unpickles nothing; ``crc=False``: the structure
    only, without reading the records).

    ``torch.save`` writes a zip archive with a CRC for every record: a
    truncated file has no central directory, a corrupted one fails a CRC.
    A legacy (pre-zip) torch file has no CRC: it passes here and is checked
    by its integrity record, if any, when loaded."""
    if not osp.isfile(path):
        return 'does not exist'
    size = osp.getsize(path)
    if size == 0:
        return 'empty (0 bytes: an interrupted copy or save)'
    if not zipfile.is_zipfile(path):
        with open(path, 'rb') as f:
            head = f.read(2)
        if head[:1] == b'\x80':  # a pickle: legacy torch format
            return None
        if head == b'PK':
            return 'truncated (its zip directory is missing)'
        return ('not a torch checkpoint (neither a zip archive nor a '
                'pickle)')
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip() if crc else None
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        return f'truncated or damaged ({err})'
    except Exception as err:  # e.g. zlib errors inside a damaged record
        return f'corrupt ({type(err).__name__}: {err})'
    if bad is not None:
        return (f'corrupt (CRC mismatch in record {bad}: damaged on disk or '
                'in transfer; get a fresh copy)')
    if not any(n.endswith('/data.pkl') or n == 'data.pkl' for n in names):
        return 'not a torch checkpoint (no data.pkl record)'
    return None


def training_checkpoint_problem(ckpt) -> Optional[str]:
    """``None`` if the loaded ``ckpt`` is a training checkpoint a run can
    resume (meta with epoch and iter, state_dict, message_hub), else why
    not."""
    if not isinstance(ckpt, dict):
        return f'not a training checkpoint (a bare {type(ckpt).__name__})'
    meta = ckpt.get('meta')
    missing = [k for k in ('state_dict', 'message_hub') if k not in ckpt]
    if not isinstance(meta, dict) or 'iter' not in meta or \
            'epoch' not in meta:
        missing.insert(0, 'meta.iter / meta.epoch')
    if missing:
        return (f'not a training checkpoint (no {", ".join(missing)}: '
                'exported weights?)')
    return None


def checkpoint_candidates(work_dir: str) -> List[str]:
    """Files named like training checkpoints (``epoch_N.pth`` /
    ``iter_N.pth``) in ``work_dir``; if there are none there, those of the
    folder that ``work_dir/last_checkpoint`` names (CheckpointHook's
    ``out_dir`` elsewhere) and that file itself.  Unordered."""

    def scan(folder):
        if not osp.isdir(folder):
            return []
        return [
            osp.join(folder, n) for n in os.listdir(folder)
            if CHECKPOINT_NAME.match(n)
        ]

    found = scan(work_dir)
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not found and osp.isfile(pointer):
        with open(pointer) as f:
            last = f.read().strip()
        if last and '://' not in last:
            found = scan(osp.dirname(last) or work_dir)
            if osp.isfile(last) and last not in found:
                found.append(last)
    return found


def find_complete_checkpoint(
        work_dir: str,
        warn: Callable[[str], None] = warnings.warn) -> Optional[str]:
    """The complete training checkpoint of ``work_dir`` with the highest
    iteration (``meta['iter']``; ``None`` if there is none).  Each file
    that is not one (truncated, corrupt, exported weights, a bare tensor,
    pickled objects) is reported through ``warn`` with its path and
    skipped."""
    ranked = []
    for path in checkpoint_candidates(work_dir):
        try:  # the header only: tensors are memory-mapped, not read
            ckpt = load_checkpoint_file(path, mmap=True, verify=False)
            problem = training_checkpoint_problem(ckpt)
        except CheckpointError as err:
            problem = str(err).replace(f'{path} is ',
                                       '').replace(f'{path}', 'the file')
            ckpt = None
        if problem is None and ckpt['meta'].get('healthy') is False:
            problem = ('not healthy ('
                       f'{ckpt["meta"].get("unhealthy", "non-finite")})')
        if problem is not None:
            warn(f'resume: skipping {path}: {problem}; trying the others '
                 '(delete or move the file to silence this).')
            continue
        ranked.append((ckpt['meta']['iter'], os.stat(path).st_mtime_ns, path))
        del ckpt
    for _, _, path in sorted(ranked, reverse=True):
        problem = checkpoint_problem(path)
        if problem is None:
            try:
                load_checkpoint_file(path)  # CRC and integrity digest
                return path
            except CheckpointError as err:
                problem = str(err).replace(f'{path} is ', '')
        warn(f'resume: skipping {path}: {problem}; trying the previous '
             'one (delete or move the file to silence this).')
    return None


def stale_temp_files(folder: str) -> List[str]:
    """Partial checkpoint files (``.iter_N.pth.XXXX.tmp``) that a killed
    save left in ``folder``."""
    if not osp.isdir(folder):
        return []
    return sorted(
        osp.join(folder, n) for n in os.listdir(folder) if TEMP_NAME.match(n))
