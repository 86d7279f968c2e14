"""Gathering a batch across processes for in-batch negatives."""
from typing import Any, List, Tuple

import torch
from mmengine.dist import all_gather, all_reduce, get_rank, get_world_size


class _GatherWithGrad(torch.autograd.Function):
    """all_gather whose backward sums the gradients of every process
    (each process's loss uses every process's embeddings) and returns this
    process's slice; with DDP's gradient averaging the update equals the
    one-process gradient of the global mean loss."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return tuple(all_gather(x.contiguous()))

    @staticmethod
    def backward(ctx: Any, *grads: torch.Tensor) -> torch.Tensor:
        grad = torch.stack(grads)
        all_reduce(grad, op='sum')
        return grad[get_rank()]


def gather_with_grad(x: torch.Tensor) -> List[torch.Tensor]:
    """The tensors of every process (this one's keeps its graph)."""
    if get_world_size() == 1:
        return [x]
    return list(_GatherWithGrad.apply(x))


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
