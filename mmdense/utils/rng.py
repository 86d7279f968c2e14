"""The global random streams (python ``random``, numpy, torch CPU and
initialised CUDA): capture, restore, and per-sample seeding.

A resumed run puts the main process's streams back where the checkpoint left
them (:class:`mmdense.engine.ResumeStateHook`); the data pipeline draws each
sample's augmentation from a seed of its own (:func:`sample_seed`), so data
does not depend on worker processes or on what ran before.
"""
import contextlib
import random
from typing import Optional

import numpy as np
import torch


def get_rng_state(cuda: bool = True) -> dict:
    """The global states; CUDA's only when CUDA is initialised."""
    state = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())
    if cuda and torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    random.setstate(state['python'])
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    cuda = state.get('cuda')
    if cuda is not None and torch.cuda.is_available() and \
            len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


@contextlib.contextmanager
def preserve_rng(cuda: bool = True):
    """What runs inside leaves the global random streams where they were."""
    state = get_rng_state(cuda)
    try:
        yield
    finally:
        set_rng_state(state)


def sample_seed(*keys: int) -> int:
    """A well-mixed 32-bit seed from integer keys, e.g. ``(seed, rank,
    epoch, position)`` (numpy's ``SeedSequence``)."""
    return int(
        np.random.SeedSequence([k & 0xFFFFFFFFFFFFFFFF
                                for k in keys]).generate_state(1)[0])


def seed_everything_cpu(seed: int) -> None:
    """Seed python, numpy and the torch CPU generator (not CUDA's)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)


@contextlib.contextmanager
def seeded_cpu_rng(seed: Optional[int]):
    """Run the block with the CPU streams seeded by ``seed``, then put them
    back (a no-op for ``None``)."""
    if seed is None:
        yield
        return
    with preserve_rng(cuda=False):
        seed_everything_cpu(seed)
        yield
