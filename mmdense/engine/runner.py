from mmengine.runner import Runner as _MMEngineRunner

from mmdense.registry import RUNNERS
from mmdense.utils.checkpoint import trusted_checkpoint_loading


@RUNNERS.register_module()
class Runner(_MMEngineRunner):
    """mmengine's Runner that can resume its own checkpoints on torch>=2.6.

    torch>=2.6 loads with ``weights_only=True``; mmengine 0.10.7 resume
    checkpoints pickle its ``HistoryBuffer`` and numpy objects in
    ``message_hub``, so resuming fails.  A run's own checkpoint is trusted:
    :meth:`resume` loads it in full (see :mod:`mmdense.utils.checkpoint`).
    ``load_from`` (weights from elsewhere) stays weights-only.
    """

    def resume(self, *args, **kwargs):
        with trusted_checkpoint_loading():
            return super().resume(*args, **kwargs)
