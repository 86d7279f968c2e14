"""Which checkpoints may unpickle Python objects (torch>=2.6 loads with
``weights_only=True`` by default).

Decision: a run's *own* checkpoints are trusted.  mmengine 0.10.7 pickles its
logging state into them (``HistoryBuffer`` objects whose state holds
``getattr`` references, numpy arrays), which no weights-only allow-list can
admit without admitting ``getattr``; so resuming (and evaluating a run's own
checkpoint with ``tools/test.py``) loads them with ``weights_only=False``
inside :func:`trusted_checkpoint_loading`.  Everything else (fine-tuning
inputs through ``load_from``, the model converters) stays weights-only, which
is why exported weights are plain tensors.

Also here: :func:`atomic_write` / :func:`atomic_path` (a file appears
complete or not at all: temp file, fsync, ``os.replace``; used for training
checkpoints and exported weights), :func:`checkpoint_problem` (is a
checkpoint file complete? zip directory + CRC of every record, nothing
unpickled) and :func:`find_complete_checkpoint` (what ``--resume`` picks).
"""
import os
import os.path as osp
import re
import tempfile
import warnings
import zipfile
from contextlib import contextmanager
from typing import Callable, List, Optional

_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


@contextmanager
def trusted_checkpoint_loading():
    """Within the block, ``torch.load`` calls that do not pass
    ``weights_only`` themselves (mmengine's) unpickle the full checkpoint."""
    previous = os.environ.get(_ENV)
    os.environ[_ENV] = '1'
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                'ignore', message='Environment variable ' + _ENV)
            yield
    finally:
        if previous is None:
            del os.environ[_ENV]
        else:
            os.environ[_ENV] = previous


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


def checkpoint_problem(path: str) -> Optional[str]:
    """``None`` for a complete checkpoint file, else what is wrong with it.

    ``torch.save`` writes a zip archive with a CRC for every record: a
    truncated file has no central directory, a corrupted one fails a CRC.
    Checking reads the file once but unpickles nothing."""
    if not osp.isfile(path):
        return 'does not exist'
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        return f'incomplete or not a torch checkpoint ({err})'
    except Exception as err:  # e.g. zlib errors inside a damaged record
        return f'corrupt ({type(err).__name__}: {err})'
    if bad is not None:
        return f'corrupt (CRC mismatch in {bad})'
    if not any(n.endswith('/data.pkl') or n == 'data.pkl' for n in names):
        return 'not a torch checkpoint (no data.pkl record)'
    return None


def checkpoint_candidates(work_dir: str) -> List[str]:
    """Training checkpoints of a run, newest first: ``epoch_N.pth`` /
    ``iter_N.pth`` in ``work_dir``; if there are none there, those of the
    folder that ``work_dir/last_checkpoint`` names (CheckpointHook's
    ``out_dir`` elsewhere) and that file itself.  Ordered by modification
    time, then N.  (A copied work dir's ``last_checkpoint`` still names the
    original folder: the work dir's own checkpoints come first.)"""

    def scan(folder):
        if not osp.isdir(folder):
            return []
        return [osp.join(folder, n) for n in os.listdir(folder)
                if CHECKPOINT_NAME.match(n)]

    found = scan(work_dir)
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not found and osp.isfile(pointer):
        with open(pointer) as f:
            last = f.read().strip()
        if last and '://' not in last:
            found = scan(osp.dirname(last) or work_dir)
            if osp.isfile(last) and last not in found:
                found.append(last)

    def key(path):
        m = CHECKPOINT_NAME.match(osp.basename(path))
        return (os.stat(path).st_mtime_ns, int(m.group(2)) if m else -1)

    return sorted(found, key=key, reverse=True)


def find_complete_checkpoint(work_dir: str,
                             warn: Callable[[str], None] = warnings.warn
                             ) -> Optional[str]:
    """The newest complete checkpoint of ``work_dir`` (``None`` if there is
    none); every newer incomplete or corrupt one is reported through
    ``warn`` with its path and skipped."""
    for path in checkpoint_candidates(work_dir):
        problem = checkpoint_problem(path)
        if problem is None:
            return path
        warn(f'resume: skipping checkpoint {path}: {problem}; trying the '
             'previous one (delete or move the file to silence this).')
    return None
