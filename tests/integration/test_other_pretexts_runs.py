"""The pretexts from other modalities run for real: CLIP's batch gathered
over two gloo processes, and the CLIP, DGI and patch-pair demos train and
transfer."""
import math
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from helpers import REPO, assert_backbone_transfers, free_port
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.optim import build_optim_wrapper

from mmdense.models.losses.other_pretexts import clip_loss
from mmdense.registry import DATASETS, MODELS


def _clip_worker(rank, world, port, out_dir, img, txt):
    import os

    import torch.distributed as dist

    from mmdense.models.algorithms.clip import CLIPPretrain
    from mmdense.utils.dist import shutdown_dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    own = slice(2 * rank, 2 * rank + 2)
    i, t = img[own].clone().requires_grad_(), txt[own].clone().requires_grad_()
    state = SimpleNamespace(
        logit_scale=torch.nn.Parameter(torch.tensor(math.log(1 / 0.07))),
        max_logit_scale=100.)
    loss = CLIPPretrain.contrast(state, i, t)
    loss.backward()
    torch.save(
        dict(loss=loss.detach(), img=i.grad, txt=t.grad),
        os.path.join(out_dir, f'rank{rank}.pth'))
    shutdown_dist()


def test_clip_contrasts_the_batch_gathered_over_two_processes(tmp_path):
    import torch.multiprocessing as mp
    torch.manual_seed(0)
    img = torch.nn.functional.normalize(torch.randn(4, 3), dim=1)
    txt = torch.nn.functional.normalize(torch.randn(4, 3), dim=1)
    mp.spawn(
        _clip_worker, nprocs=2, args=(2, free_port(), str(tmp_path), img, txt))
    ranks = [torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1)]
    i, t = img.clone().requires_grad_(), txt.clone().requires_grad_()
    full = clip_loss(i, t, torch.tensor(math.log(1 / 0.07)))
    full.backward()
    for r, out in enumerate(ranks):  # every process: the 4-pair loss
        assert torch.allclose(out['loss'], full.detach(), atol=1e-6)
        # own rows: both processes' gradients summed, i.e. 2 x the
        # one-process gradient, which DDP's averaging over 2 makes exact
        own = slice(2 * r, 2 * r + 2)
        assert torch.allclose(out['img'], 2 * i.grad[own], atol=1e-6)
        assert torch.allclose(out['txt'], 2 * t.grad[own], atol=1e-6)


# ---------------------------------------------------- demos and transfer
def _demo_batch(config, synthetic_root, tmp_path, size=8):
    cfg = Config.fromfile(osp.join(REPO, config))
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = osp.join(synthetic_root, 'coco/')
    for step in ds_cfg.pipeline:
        if step['type'] == 'TokenizeCaption':
            step['vocab_file'] = str(tmp_path / 'vocab.json')
            step['captions_file'] = osp.join(
                synthetic_root, 'coco/annotations/captions_train2017.json')
    dataset = DATASETS.build(ds_cfg)
    torch.manual_seed(0)
    np.random.seed(0)
    return cfg, default_collate([dataset[i] for i in range(size)])


def _train(cfg, data, steps):
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    history = [{
        k: float(v)
        for k, v in model.train_step(data, optim).items()
    } for _ in range(steps)]
    return model, history


def test_clip_demo_trains_and_transfers(synthetic_root, tmp_path):
    cfg, data = _demo_batch('configs/clip/demo.py', synthetic_root, tmp_path)
    assert data['data_samples'][0].text.shape == (64, )
    model, history = _train(cfg, data, 8)
    losses = [h['loss'] for h in history]
    assert all(v == v for v in losses)
    assert sum(losses[-3:]) / 3 < 0.5 * sum(losses[:3]) / 3, losses
    assert history[0]['logit_scale'] == pytest.approx(1 / 0.07, rel=1e-4)
    assert_backbone_transfers(model, tmp_path)


# ---------------------------------------- DGI and patch-pair demos, transfer
def test_dgi_dim_demo_trains_and_transfers(synthetic_root, tmp_path):
    cfg, data = _demo_batch('configs/dgi_dim/demo.py', synthetic_root,
                            tmp_path)
    assert cfg.model.corrupt_stage == 3 and cfg.model.head.type == 'DGIHead'
    model, history = _train(cfg, data, 8)
    losses = [h['loss'] for h in history]
    assert all(v == v for v in losses)
    assert sum(losses[-3:]) / 3 < 0.75 * sum(losses[:3]) / 3, losses
    assert_backbone_transfers(model, tmp_path)


@pytest.mark.parametrize('config,task', [
    ('configs/patch_adjacent/demo.py', 'adjacent'),
    ('configs/patch_order/demo.py', 'order'),
])
def test_patch_pair_demos_learn_and_transfer(config, task, synthetic_root,
                                             tmp_path):
    cfg, data = _demo_batch(config, synthetic_root, tmp_path)
    assert cfg.model.head.num_classes == 2
    labels = {int(s.gt_label) for s in data['data_samples']}
    assert labels <= ({-1, 1} if task == 'adjacent' else {0, 1})
    model, history = _train(cfg, data, 15)
    losses = [h['loss'] for h in history]
    acc = [h['acc'] for h in history]
    assert sum(losses[-3:]) < sum(losses[:3]), losses
    # chance is 0.5; the fixed batch's pairs are learned in a short run
    assert sum(acc[-3:]) / 3 >= 0.8, acc
    assert_backbone_transfers(model, tmp_path)
