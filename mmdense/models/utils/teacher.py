"""EMA teachers, momentum schedules and shuffle-BN.

Momentum follows the papers' convention here: ``teacher = m * teacher +
(1 - m) * student`` with m = 0.999 keeping 99.9 % of the teacher.  (mmengine's
``ExponentialMovingAverage(momentum=x)`` uses the opposite one: x = 1 - m.)
"""
import copy
import math
from typing import Iterable, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.dist import get_world_size
from mmpretrain.models.utils import batch_shuffle_ddp, batch_unshuffle_ddp


def make_teacher(module: nn.Module) -> nn.Module:
    """A frozen deep copy of ``module`` (no gradients, own BN statistics).

    The copy is re-initialised with the student by ``init_weights``: the
    owning algorithm copies the student into it afterwards
    (:func:`copy_to_teachers_`)."""
    teacher = copy.deepcopy(module)
    teacher.requires_grad_(False)
    return teacher


@torch.no_grad()
def copy_to_teachers_(pairs: Iterable[Tuple[nn.Module, nn.Module]]) -> None:
    """Make every teacher an exact copy of its student, parameters and
    buffers (BN statistics) alike: ``teacher.load_state_dict(student)``.

    The official MoCo, DenseCL, SlotCon and DeCon code copies
    ``param_k.data.copy_(param_q.data)`` once the student is initialised; an
    algorithm calls this at the end of its ``init_weights`` (which the
    Runner runs before it loads a checkpoint, so resuming keeps the saved
    teacher)."""
    for t_mod, s_mod in pairs:
        t_mod.load_state_dict(s_mod.state_dict())


@torch.no_grad()
def ema_update_(pairs: Iterable[Tuple[nn.Module, nn.Module]],
                momentum: float) -> None:
    """``t = m * t + (1 - m) * s`` for the parameters of every (teacher,
    student) pair, as one fused foreach op.  Buffers (BN statistics) are not
    copied: the teacher keeps the statistics of its own forward passes, as in
    the MoCo / DenseCL / SlotCon reference code."""
    teacher, student = [], []
    for t_mod, s_mod in pairs:
        t_params, s_params = list(t_mod.parameters()), list(s_mod.parameters())
        assert len(t_params) == len(s_params), 'teacher/student mismatch'
        teacher += t_params
        student += [p.detach() for p in s_params]
    if teacher:
        torch._foreach_lerp_(teacher, student, 1.0 - momentum)


def teacher_momentum(base: float, schedule: str, step: int,
                     max_steps: Optional[int]) -> float:
    """Teacher momentum at ``step`` (0-based).

    ``'constant'``: ``base`` (MoCo, DenseCL: 0.999).  ``'cosine'``: from
    ``base`` at step 0 to 1 at ``max_steps`` (BYOL, SlotCon: 0.99 -> 1),
    ``1 - (1 - base) * (cos(pi * step / max_steps) + 1) / 2``.
    """
    if schedule == 'constant':
        return base
    if schedule != 'cosine':
        raise ValueError(f"momentum schedule must be 'constant' or 'cosine', "
                         f'got {schedule!r}')
    if not max_steps:
        raise ValueError('a cosine teacher momentum needs the total number '
                         'of iterations (max_iters)')
    progress = min(step / max_steps, 1.0)
    return 1 - (1 - base) * (math.cos(math.pi * progress) + 1) / 2


def shuffle_batch(x: torch.Tensor):
    """Shuffle-BN across processes (MoCo): returns (shuffled x, restore
    index), or (x, None) in a single process, where it would change nothing
    but the order of the batch."""
    if get_world_size() == 1:
        return x, None
    return batch_shuffle_ddp(x)


def unshuffle_batch(x: torch.Tensor, idx: Optional[torch.Tensor]):
    return x if idx is None else batch_unshuffle_ddp(x, idx)
