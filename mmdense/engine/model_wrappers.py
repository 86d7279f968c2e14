from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm

from mmdense.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` for CPU processes (gloo backend).

    Two things differ from the GPU wrapper: ``device_ids`` must be ``None`` for
    a CPU module, and ``SyncBatchNorm`` has no CPU kernel, so it is reverted to
    plain (per-process) BatchNorm before wrapping.  Selected automatically by
    ``tools/train.py`` for distributed runs without CUDA.
    """

    def __init__(self, module, device_ids=None, **kwargs) -> None:
        super().__init__(
            module=revert_sync_batchnorm(module), device_ids=None, **kwargs)
