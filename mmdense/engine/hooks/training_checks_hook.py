""":class:`TrainingChecksHook`: checks that need the world size (queue length
vs. global batch) before the first iteration.

mmdense's :class:`~mmdense.engine.Runner` registers it on every run
(configs do not list it); see ``docs/resume.md``.
"""
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmdense.registry import HOOKS


@HOOKS.register_module()
class TrainingChecksHook(Hook):
    """Checks that need the world size, before the first iteration: every
    module of the model with a ``check_global_batch(global_batch, name)``
    method (e.g. :class:`~mmdense.models.memories.ContrastQueue`: its length
    must be a multiple of the global batch) is asked."""
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        loader = runner.train_loop.dataloader
        batch = loader.batch_size or getattr(loader.batch_sampler,
                                             'batch_size', None)
        if batch is None:
            return
        model = get_ori_model(runner.model)
        for name, module in model.named_modules():
            check = getattr(module, 'check_global_batch', None)
            if callable(check):
                check(batch * get_world_size(), name, batch)
