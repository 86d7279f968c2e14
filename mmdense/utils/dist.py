"""Distributed launch on machines without CUDA.

mmengine 0.10.7's ``init_dist('pytorch')`` calls ``torch.cuda.set_device``
unconditionally, which fails where there is no GPU.  Initialising the process
group ourselves first (gloo) makes the Runner skip its own ``init_dist``.
"""
import os

import torch
import torch.distributed as dist


def init_cpu_dist_if_needed(launcher: str) -> bool:
    """Initialise a gloo process group for ``launcher='pytorch'`` on CPU.

    Returns True when it initialised the group, False when there was nothing
    to do (no launcher, CUDA present, or already initialised).
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher != 'pytorch':
        raise RuntimeError(
            f'--launcher {launcher} needs CUDA; on a CPU-only machine use '
            '--launcher pytorch (tools/dist_train.sh), which runs on gloo.')
    if dist.is_available() and dist.is_initialized():
        return False
    missing = [
        k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT')
        if k not in os.environ
    ]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch needs the environment variables {missing}; '
            'start the job with torchrun (tools/dist_train.sh CONFIG N).')
    dist.init_process_group(backend='gloo')
    return True


def shutdown_dist() -> None:
    """Leave the process group together: a barrier, then destroy it.

    Without this, a gloo process that exits while its peer still tears down
    can abort at exit ("terminate called without an active exception")
    after the job itself has finished.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
