"""SafeCheckpointHook removes an old checkpoint only after the new one is
saved."""
import os
import os.path as osp

import pytest


def test_keep_last_checkpoint_is_removed_only_after_saving(tmp_path):
    """max_keep_ckpts=1: mmengine removed the old checkpoint first; ours
    keeps it when writing the new one fails."""
    from types import SimpleNamespace

    from mmengine.logging import MessageHub

    from mmdense.engine import SafeCheckpointHook
    hook = SafeCheckpointHook(by_epoch=False, interval=1, max_keep_ckpts=1)
    written = []

    def save(out_dir, name, *args, **kwargs):
        if name == 'iter_2.pth':
            raise OSError('No space left on device')
        open(osp.join(out_dir, name), 'wb').close()
        written.append(name)

    runner = SimpleNamespace(
        work_dir=str(tmp_path),
        save_checkpoint=save,
        message_hub=MessageHub.get_instance('test_keep_last'),
        logger=None,
        iter=0,
        epoch=0)
    hook.out_dir = str(tmp_path)
    from mmengine.fileio import get_file_backend
    hook.file_backend = get_file_backend(str(tmp_path))
    from collections import deque
    hook.keep_ckpt_ids = deque([], 1)
    hook.filename_tmpl = 'iter_{}.pth'
    hook._save_checkpoint_with_step(runner, 1, {})
    with pytest.raises(OSError):
        hook._save_checkpoint_with_step(runner, 2, {})
    assert osp.exists(tmp_path / 'iter_1.pth')
    hook._save_checkpoint_with_step(runner, 3, {})
    assert sorted(n for n in os.listdir(tmp_path) if n.endswith('.pth')) \
        == ['iter_3.pth']
    # without max_keep_ckpts (mmengine's default -1) nothing is removed
    keep_all = SafeCheckpointHook(by_epoch=False, interval=1)
    keep_all.out_dir, keep_all.file_backend = hook.out_dir, hook.file_backend
    keep_all.filename_tmpl = 'iter_{}.pth'
    keep_all._save_checkpoint_with_step(runner, 4, {})
    assert sorted(n for n in os.listdir(tmp_path) if n.endswith('.pth')) \
        == ['iter_3.pth', 'iter_4.pth']
