"""Config rewrites that let GPU-oriented configs run on a CPU-only machine."""
import torch
from mmengine.config import Config
from mmengine.logging import print_log


def apply_cpu_fallbacks(cfg: Config, distributed: bool) -> Config:
    """Swap GPU-only wrappers for their CPU equivalents, in place.

    Nothing changes when CUDA is available.  The replacements are named by
    their import path, which resolves from any default scope (mmdet's,
    mmseg's): ``'mmdense.X'`` would not, since the mmdense registries are
    children of mmpretrain's, not of the root.  Without CUDA:

    * ``AmpOptimWrapper`` (which asserts a GPU) becomes
      :class:`mmdense.engine.CPUAmpOptimWrapper`: bf16 autocast without a
      scaler, unless the config asks for ``dtype='float16'`` (``--amp
      fp16``: fp16 autocast with its loss scaler);
    * a distributed run (gloo) wraps the model with
      :class:`mmdense.engine.CPUDistributedDataParallel`, which passes
      ``device_ids=None`` and reverts SyncBN (no CPU kernel) to BatchNorm.
    """
    if torch.cuda.is_available():
        return cfg
    optim = cfg.get('optim_wrapper')
    if optim is not None and optim.get('type') in ('AmpOptimWrapper',
                                                   'mmengine.AmpOptimWrapper'):
        optim.type = 'mmdense.engine.CPUAmpOptimWrapper'
        if optim.get('dtype') in ('float16', torch.float16):
            optim.setdefault('loss_scale', 'dynamic')
            print_log(
                'No CUDA: AmpOptimWrapper -> CPUAmpOptimWrapper '
                '(fp16 autocast on CPU, dynamic loss scaling).',
                logger='current')
        else:
            optim.pop('loss_scale', None)
            optim.dtype = 'bfloat16'
            print_log(
                'No CUDA: AmpOptimWrapper -> CPUAmpOptimWrapper '
                '(bf16 autocast on CPU).',
                logger='current')
    if distributed:
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
        if wrapper.get('type', 'MMDistributedDataParallel') in (
                'MMDistributedDataParallel',
                'mmengine.MMDistributedDataParallel'):
            wrapper['type'] = 'mmdense.engine.CPUDistributedDataParallel'
            cfg.model_wrapper_cfg = wrapper
            print_log(
                'No CUDA: distributed run on gloo with '
                'CPUDistributedDataParallel (SyncBN -> BN).',
                logger='current')
    return cfg
