"""The synthetic SlotCon views through the data preprocessor keep their
geometry."""
import copy
import os.path as osp

import torch
from helpers import REPO
from mmengine.config import Config
from mmengine.dataset import default_collate

from mmdense.registry import DATASETS, MODELS
from mmdense.structures import overlap_coords, views_geometry


def test_synthetic_slotcon_through_data_preprocessor(run_dir, monkeypatch):
    monkeypatch.chdir(run_dir)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/synthetic_slotcon.py'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = default_collate([dataset[i] for i in range(4)])
    samples = copy.deepcopy(batch['data_samples'])
    out = MODELS.build(cfg.data_preprocessor)(batch, training=True)
    assert [tuple(v.shape) for v in out['inputs']] == [(4, 3, 64, 64)] * 2
    assert out['inputs'][0].dtype == torch.float32
    for before, after in zip(samples, out['data_samples']):
        assert after.metainfo == before.metainfo
    geo = views_geometry(out['data_samples'])
    assert geo['boxes'].shape == (2, 4, 4) and geo['flips'].shape == (2, 4)
    assert geo['sizes'] == [(64, 64), (64, 64)]
    boxes = geo['boxes']  # inside their images
    hw = torch.tensor([s.ori_shape for s in samples], dtype=torch.float32)
    assert (boxes[..., :2] >= 0).all()
    assert (boxes[..., 2:] > boxes[..., :2]).all()
    assert (boxes[..., 2:] <= hw.flip(1)).all()
    # SlotCon's conditioned crops of views 0 and 1 overlap
    assert overlap_coords(boxes[0], boxes[1])[2].all()
