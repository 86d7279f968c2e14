"""Fault injection for tests/integration/test_reliability.py and
test_checkpoint_safety.py (imported by the test configs through
``custom_imports``, with tests/ on PYTHONPATH; not part of the package)."""
import os
import signal

from mmengine.hooks import Hook

from mmdense.registry import HOOKS


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILLs its process group (the training process and its dataloader
    workers; its own process if it does not lead the group) at the end of
    iteration ``iteration`` (1-based), before its checkpoint is written: the
    iteration's work is lost, no handler runs, nothing is flushed - as a
    pre-empted job."""
    priority = 'NORMAL'  # before the CheckpointHook (VERY_LOW)

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.iteration:
            if os.getpgrp() == os.getpid():
                os.killpg(os.getpgrp(), signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class NaNOnRankHook(Hook):
    """Makes DenseCL's dense projection NaN at iteration ``iteration``
    (1-based) on process ``rank`` only."""

    def __init__(self, iteration: int, rank: int = 1) -> None:
        self.iteration, self.rank = iteration, rank

    def before_train(self, runner) -> None:
        from mmengine.dist import get_rank
        from mmengine.model import is_model_wrapper
        if get_rank() != self.rank:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model

        def poison(module, args, output):
            if runner.iter + 1 == self.iteration:
                return output[0], output[1] * float('nan'), output[2]
            return output

        model.head.projector.register_forward_hook(poison)
