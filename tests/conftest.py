import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(autouse=True)
def mmdense_scope():
    """Every test starts in the mmdense scope (a test that builds mmdet or
    mmseg models may leave their scope as the current one)."""
    from mmengine.registry import DefaultScope

    from mmdense.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdense'):
        yield


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory):
    """All synthetic formats, generated once per test session."""
    from mmdense.datasets import make_synthetic_datasets
    root = str(tmp_path_factory.mktemp('synthetic'))
    make_synthetic_datasets(
        root, num_train=8, num_val=4, num_unlabeled=8, seed=0)
    return root


@pytest.fixture()
def run_dir(tmp_path, synthetic_root):
    """A working directory whose ``data/synthetic`` is the synthetic root, so
    configs with their default ``data_root`` run unchanged."""
    os.makedirs(tmp_path / 'data')
    os.symlink(synthetic_root, tmp_path / 'data' / 'synthetic')
    return tmp_path


def run_tool(args, cwd, timeout=600):
    """Run a repository script (path relative to the repo) in ``cwd``;
    fail with its output when it exits non-zero."""
    script = args[0]
    cmd = (['bash', osp.join(REPO, script)] if script.endswith('.sh') else
           [sys.executable, osp.join(REPO, script)]) + list(args[1:])
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(cmd)} failed:\n{out[-6000:]}'
    return out
