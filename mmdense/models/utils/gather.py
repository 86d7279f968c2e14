"""Gathering a batch across processes for in-batch negatives."""
from typing import Tuple

import torch
from mmengine.dist import all_gather, get_rank, get_world_size

from ..losses.instance import gather_with_grad


def gather_batch(x: torch.Tensor,
                 with_grad: bool = True) -> Tuple[torch.Tensor, int]:
    """``(concatenation of every process's x along dim 0, offset of this
    process's rows)``; in one process ``(x, 0)``.

    With ``with_grad`` the gather is :func:`gather_with_grad`: the backward
    pass sums every process's gradient for this process's rows, so with
    DDP's gradient averaging the update is the one-process gradient of the
    mean loss over all processes.  Without it the rows are constants.
    """
    if get_world_size() == 1:
        return x, 0
    parts = gather_with_grad(x) if with_grad else all_gather(
        x.detach().contiguous())
    return torch.cat(parts, dim=0), get_rank() * x.shape[0]
