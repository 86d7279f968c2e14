"""Fault injection for tests/test_reliability.py (imported by the test
configs through ``custom_imports``; not part of the package)."""
import os
import signal

from mmengine.hooks import Hook

from mmdense.registry import HOOKS


@HOOKS.register_module()
class KillAtIterHook(Hook):
    """SIGKILLs its own process just before iteration ``iteration``
    (1-based): no handler, no flush, as a pre-empted job."""
    priority = 'VERY_LOW'

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter + 1 == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)
