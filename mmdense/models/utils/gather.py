"""Gathering a batch across processes for in-batch negatives."""
from typing import Tuple

import torch
from mmengine.dist import all_gather, get_rank, get_world_size


def gather_batch(x: torch.Tensor,
                 with_grad: bool = True) -> Tuple[torch.Tensor, int]:
    """``(concatenation of every process's x along dim 0, offset of this
    process's rows)``.

    With ``with_grad`` this process's own rows are its tensor itself, so the
    gradient flows through them (the other processes' rows are constants
    here; they get their gradient in their own process, as in MoCo / CLIP's
    local-gradient gather).  In one process: ``(x, 0)``.
    """
    if get_world_size() == 1:
        return x, 0
    parts = all_gather(x.detach().contiguous())
    rank = get_rank()
    if with_grad:
        parts[rank] = x
    return torch.cat(parts, dim=0), rank * x.shape[0]
