"""Data that can resume exactly: a sampler that starts at a saved position
and gives every sample its own augmentation seed, and the dataset wrapper
that applies that seed.

mmdense's :class:`~mmdense.engine.Runner` wraps every training dataloader
with these (``train_dataloader`` without a ``batch_sampler``); configs do not
name them.

* :class:`ResumableSampler` yields the indices of the configured sampler
  (``InfiniteSampler``, ``DefaultSampler``, ...) unchanged, each as a
  :class:`SeededIndex` carrying ``sample_seed(seed, rank, epoch, position)``,
  ``position`` being the sample's place in this process's stream of the
  epoch.  :meth:`ResumableSampler.resume_at` makes its next pass start at a
  position without loading (or even indexing) the samples before it.
* :class:`SeededDataset` runs the pipeline of that sample with python's,
  numpy's and torch's CPU generators seeded by it, then restores them.  So a
  sample's augmentation depends only on ``(seed, rank, epoch, position)``:
  not on the number of dataloader workers, on which worker loads it, or on
  what was loaded before - a resumed run sees the same crops.
"""
import itertools
from typing import Iterator, Optional, Union

from mmengine.dataset import DefaultSampler
from mmengine.dist import get_rank, sync_random_seed
from torch.utils.data import Dataset, Sampler

from mmdense.registry import DATA_SAMPLERS, DATASETS
from mmdense.utils.rng import sample_seed, seeded_cpu_rng


class SeededIndex(int):
    """A dataset index that carries the seed of its sample's augmentation."""

    def __new__(cls, value: int, seed: int):
        obj = super().__new__(cls, value)
        obj.seed = seed
        return obj

    def __reduce__(self):  # to worker processes
        return SeededIndex, (int(self), self.seed)


@DATA_SAMPLERS.register_module()
class ResumableSampler(Sampler):
    """Wraps a sampler; see the module docstring.

    Args:
        dataset: the dataset (passed on to ``sampler``).
        sampler (dict | Sampler): the wrapped sampler or its config.
        seed (int, optional): base seed (the Runner's); the wrapped
            sampler's own ``seed`` wins when it has one.
    """

    def __init__(self,
                 dataset,
                 sampler: Union[dict, Sampler] = dict(type=DefaultSampler),
                 seed: Optional[int] = None) -> None:
        if isinstance(sampler, dict):
            sampler = DATA_SAMPLERS.build(
                sampler, default_args=dict(dataset=dataset, seed=seed))
        self.sampler = sampler
        seed = getattr(sampler, 'seed', seed)
        self.seed = sync_random_seed() if seed is None else seed
        self.rank = get_rank()
        self.epoch = 0  # set by DistSamplerSeedHook / the loops
        self.pass_epoch = 0  # epoch of the latest pass (__iter__)
        self._start: Optional[tuple] = None

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        if hasattr(self.sampler, 'set_epoch'):
            self.sampler.set_epoch(epoch)

    def set_seed(self, seed: int) -> None:
        """The base seed (a resumed run takes its checkpoint's)."""
        self.seed = seed
        if hasattr(self.sampler, 'seed'):
            self.sampler.seed = seed

    def resume_at(self, epoch: int, position: int) -> None:
        """The next pass is ``epoch``'s, from sample ``position`` on."""
        self._start = (epoch, position)

    def __len__(self) -> int:
        return len(self.sampler)

    def _fresh_indices(self) -> Iterator[int]:
        # mmengine's InfiniteSampler keeps one generator for its lifetime
        # (a new pass would go on where the last, prefetching, one stopped)
        if hasattr(self.sampler, '_indices_of_rank'):
            return self.sampler._indices_of_rank()
        return iter(self.sampler)

    def __iter__(self) -> Iterator[SeededIndex]:
        epoch, start = self._start or (self.epoch, 0)
        self._start = None
        if epoch != self.epoch:
            self.set_epoch(epoch)
        self.pass_epoch = epoch
        indices = itertools.islice(self._fresh_indices(), start, None)
        seed, rank = self.seed, self.rank
        return (SeededIndex(idx, sample_seed(seed, rank, epoch, pos))
                for pos, idx in enumerate(indices, start))


@DATASETS.register_module()
class SeededDataset(Dataset):
    """Loads ``dataset[i]`` with the CPU random generators seeded by the
    index's seed (a :class:`SeededIndex`), then restores them, so that a
    dataloader without workers leaves the training's streams untouched.
    Attributes (``metainfo``, ``pipeline``...) are the wrapped dataset's."""

    def __init__(self, dataset: Union[dict, Dataset]) -> None:
        self.dataset = DATASETS.build(dataset) if isinstance(dataset,
                                                             dict) else dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, idx):
        with seeded_cpu_rng(getattr(idx, 'seed', None)):
            return self.dataset[int(idx)]

    def __getattr__(self, name):
        if name == 'dataset' or name.startswith('__'):
            raise AttributeError(name)
        return getattr(self.dataset, name)
