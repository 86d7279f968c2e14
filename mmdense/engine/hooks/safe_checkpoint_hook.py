""":class:`SafeCheckpointHook`: mmengine's ``CheckpointHook`` that deletes old
checkpoints (``max_keep_ckpts``) only *after* the new one is complete.

mmdense's :class:`~mmdense.engine.Runner` registers it on every run
(configs do not list it); see ``docs/resume.md``.
"""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from mmdense.registry import HOOKS


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` (same arguments) that removes the
    checkpoints beyond ``max_keep_ckpts`` only after the new one is written
    (mmengine removes first, so with ``max_keep_ckpts=1`` a crash while
    saving left no checkpoint at all).  Writing itself is atomic
    (:meth:`mmdense.engine.Runner.save_checkpoint`)."""

    def _save_checkpoint_with_step(self, runner, step, meta):
        keep = self.max_keep_ckpts
        stale, before = [], list(getattr(self, 'keep_ckpt_ids', ()))
        good_before = runner.message_hub.get_info('last_good_ckpt')
        if keep > 0:
            ids = list(before)
            if not ids or ids[-1] != step:
                ids.append(step)
            stale, ids = ids[:-keep], ids[-keep:]
            self.keep_ckpt_ids.clear()
            self.keep_ckpt_ids.extend(ids)
            # saved inside the new checkpoint: a resumed run prunes it later
            runner.message_hub.update_info('keep_ckpt_ids', ids)
        self.max_keep_ckpts = -1  # the parent must not prune first
        try:
            super()._save_checkpoint_with_step(runner, step, meta)
        except BaseException:
            if keep > 0:  # not written: the list is as before
                self.keep_ckpt_ids.clear()
                self.keep_ckpt_ids.extend(before)
                runner.message_hub.update_info('keep_ckpt_ids', before)
            raise
        finally:
            self.max_keep_ckpts = keep
        if not is_main_process() or keep <= 0:
            return
        good = runner.message_hub.get_info('last_good_ckpt')

        def path_of(i):
            return osp.abspath(
                self.file_backend.join_path(self.out_dir,
                                            self.filename_tmpl.format(i)))

        paths = {path_of(i): i for i in stale if i != step}
        kept = {path_of(i) for i in ids}
        # the newest good checkpoint is never pruned; the one it replaces
        # goes once it is outside the kept window
        own = osp.dirname(path_of(step))
        if good_before and good_before != good and good_before not in kept \
                and osp.dirname(good_before) == own:
            paths.setdefault(good_before, None)
        for path in paths:
            if path == good:
                continue
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
