from typing import Union

import numpy as np
from mmengine.registry import DATASETS as ROOT_DATASETS
from torch.utils.data import Dataset

from mmdense.registry import DATASETS


@DATASETS.register_module()
class SubsetDataset(Dataset):
    """A fixed random fraction of a dataset (limited-data fine-tuning).

    The subset depends only on ``(len(dataset), fraction, seed)``, so every
    run of a benchmark with the same fraction sees the same images.  The
    inner dataset is built in the current default scope (mmdet / mmseg), so
    fine-tuning configs refer to it as
    ``type='mmdense.datasets.SubsetDataset'``.

    Args:
        dataset (dict | Dataset): the dataset to take from.
        fraction (float): in (0, 1]; at least one sample is kept.
        seed (int): seed of the fixed subset. Defaults to 0.
    """

    def __init__(self,
                 dataset: Union[dict, Dataset],
                 fraction: float,
                 seed: int = 0) -> None:
        if not 0 < fraction <= 1:
            raise ValueError(f'SubsetDataset: fraction must be in (0, 1], '
                             f'got {fraction}')
        self.dataset = ROOT_DATASETS.build(dataset) if isinstance(
            dataset, dict) else dataset
        n = len(self.dataset)
        keep = max(1, int(round(n * fraction)))
        self.indices = np.sort(
            np.random.default_rng(seed).permutation(n)[:keep]).tolist()
        self.fraction = fraction

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(self.indices[idx])

    def full_init(self) -> None:
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, idx: int):
        return self.dataset[self.indices[idx]]
