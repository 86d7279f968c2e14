"""The Runner's own checks before training: missing or corrupt checkpoint
paths fail with one line naming them, partial files of killed saves are
removed."""
import os.path as osp
from types import SimpleNamespace

import pytest
from helpers import REPO
from mmengine.config import Config

from mmdense.utils.checkpoint import stale_temp_files


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


def test_missing_checkpoint_paths_fail_when_the_runner_is_built(tmp_path):
    from mmdense.engine import Runner
    cfg = Config.fromfile(osp.join(REPO, 'configs/densecl/demo.py'))
    cfg.work_dir = str(tmp_path)
    missing = str(tmp_path / 'nope.pth')
    cases = [
        (dict(resume=True, load_from=missing),
         f'resume: checkpoint "{missing}" does not exist; pass an existing '
         'file to --resume, or --resume without a value'),
        (dict(load_from=missing),
         f'load_from: checkpoint "{missing}" does not exist; set load_from '
         'to an existing file (or None).'),
        (dict(pretrained=missing),
         f'pretrained: checkpoint "{missing}" does not exist; set '
         'pretrained=PATH'),
        (dict(
            model=dict(
                backbone=dict(
                    init_cfg=dict(type='Pretrained', checkpoint=missing)))),
         f'model.backbone.init_cfg.checkpoint: checkpoint "{missing}" does '
         'not exist'),
    ]
    for change, message in cases:
        c = cfg.copy()
        c.merge_from_dict(change)
        with pytest.raises(FileNotFoundError) as err:
            Runner.from_cfg(c)
        assert str(err.value).startswith(message), str(err.value)


def test_explicit_resume_of_a_corrupt_checkpoint_names_it(tmp_path):
    from mmdense.engine import Runner
    bad = tmp_path / 'iter_4.pth'
    bad.write_bytes(b'PK\x03\x04 truncated')
    runner = Runner.__new__(Runner)  # only load_or_resume's own checks
    runner._has_loaded, runner._resume, runner._load_from = False, True, \
        str(bad)
    with pytest.raises(
            ValueError, match=f'resume: checkpoint "{bad}" is '
            'truncated'):
        runner.load_or_resume()
