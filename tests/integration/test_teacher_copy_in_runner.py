"""Teachers are exact copies of their students once the Runner has built,
initialised and (not) resumed a demo model, before the first iteration."""
import os.path as osp

import pytest
from helpers import assert_teachers_equal_students, load_config
from mmengine.hooks import Hook

from mmdense.registry import HOOKS


@HOOKS.register_module(force=True)
class RecordTeachersHook(Hook):
    """Checks teacher == student once the Runner has built, initialised
    and (not) resumed the model, before the first iteration."""
    checked = []

    def before_train(self, runner):
        assert_teachers_equal_students(runner.model)
        RecordTeachersHook.checked.append(type(runner.model).__name__)


@pytest.mark.parametrize('config', [
    'densecl/demo.py', 'mocov1/demo.py', 'mocov2/demo.py', 'slotcon/demo.py',
    'decon/demo.py', 'decon/demo_fcn.py', 'decon/demo_densecl.py',
    'byol/demo.py'
])
def test_teacher_is_student_copy_in_runner(config, run_dir, monkeypatch):
    from mmdense.engine import Runner
    monkeypatch.chdir(run_dir)
    cfg = load_config(osp.join('configs', config))
    cfg.work_dir = str(run_dir / 'work')
    cfg.train_cfg.max_iters = 1
    cfg.custom_hooks = [
        *cfg.get('custom_hooks', []),
        dict(type='RecordTeachersHook')
    ]
    cfg.default_hooks.checkpoint.interval = 1
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.pop('visualizer', None)
    RecordTeachersHook.checked.clear()
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert RecordTeachersHook.checked == [type(runner.model).__name__]
