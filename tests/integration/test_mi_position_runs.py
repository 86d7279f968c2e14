"""Deep InfoMax, CPC v2 and context prediction run for real: DIM's negatives
gathered over two gloo processes, demos that learn, and transfer into the
synthetic benchmarks."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from helpers import REPO, assert_backbone_transfers, free_port
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.optim import build_optim_wrapper

from mmdense.registry import DATASETS, MODELS


def _dim_worker(rank, world, port, out_dir, state, local_map, glob):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    from mmdense.models.heads import DIMHead
    from mmdense.utils.dist import shutdown_dist
    out = {}
    for estimator in ('jsd', 'infonce'):
        head = DIMHead(4, 6, 8, 5, estimator=estimator)
        head.load_state_dict(state)
        head.eval()  # BN on running statistics: same embeddings everywhere
        part = slice(2 * rank, 2 * rank + 2)
        lm = local_map[part].clone().requires_grad_(True)
        loss = head.loss(lm, glob[part])['loss']
        loss.backward()
        out[estimator] = (loss.detach(), lm.grad)
    torch.save(out, os.path.join(out_dir, f'rank{rank}.pth'))
    shutdown_dist()


def test_dim_negatives_gathered_over_two_processes(tmp_path):
    from mmdense.models.heads import DIMHead
    torch.manual_seed(0)
    local_map, glob = torch.randn(4, 4, 2, 2), torch.randn(4, 6)
    head = DIMHead(4, 6, 8, 5)
    mp.spawn(
        _dim_worker,
        nprocs=2,
        args=(2, free_port(), str(tmp_path), head.state_dict(), local_map,
              glob))
    ranks = [torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1)]
    for estimator in ('jsd', 'infonce'):
        head.estimator = estimator
        head.eval()
        lm = local_map.clone().requires_grad_(True)
        single = head.loss(lm, glob)['loss']
        single.backward()
        mean = (ranks[0][estimator][0] + ranks[1][estimator][0]) / 2
        assert torch.allclose(mean, single, atol=1e-5), estimator
        # each process gets every process's gradient for its own rows: with
        # DDP's averaging (/ 2) that is the one-process gradient
        grads = torch.cat([ranks[0][estimator][1], ranks[1][estimator][1]])
        assert grads.abs().sum() > 0
        assert torch.allclose(grads / 2, lm.grad, atol=1e-5), estimator


# ------------------------------------------------------------------ demos
def _dataset(cfg, synthetic_root):
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = osp.join(synthetic_root, 'coco/')
    return DATASETS.build(ds_cfg)


def _train(config,
           synthetic_root,
           steps,
           fresh=False,
           batch=8,
           overrides=None):
    """Real train steps of a demo config on its own pipeline: one fixed
    batch, or a fresh batch every step (``fresh``).  Returns the logs."""
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.merge_from_dict(overrides or {})
    dataset = _dataset(cfg, synthetic_root)
    torch.manual_seed(0)
    np.random.seed(0)
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    rng = np.random.RandomState(0)

    def batch_of():
        idx = rng.randint(len(dataset), size=batch)
        return default_collate([dataset[int(i)] for i in idx])

    data = batch_of()
    history = []
    for _ in range(steps):
        out = model.train_step(batch_of() if fresh else data, optim)
        history.append({k: float(v) for k, v in out.items()})
    return model, history


def _assert_falls(history, key='loss', start=0):
    values = [h[key] for h in history[start:]]
    assert all(v == v for v in values), f'{key} is NaN'
    first, last = sum(values[:3]) / 3, sum(values[-3:]) / 3
    assert last < first, f'{key}: {first:.4f} -> {last:.4f}'


@pytest.mark.parametrize('estimator', ['jsd', 'infonce'])
def test_dim_demo_loss_falls(estimator, synthetic_root, tmp_path):
    model, history = _train(
        'configs/dim/demo.py',
        synthetic_root,
        12,
        overrides={'model.head.estimator': estimator})
    _assert_falls(history)
    if estimator == 'jsd':
        assert_backbone_transfers(model, tmp_path)


def test_context_prediction_demo_learns(synthetic_root, tmp_path):
    """A fixed batch of 16 pairs: the loss falls and the 8-way accuracy
    ends far above chance (1/8); the weights transfer."""
    model, history = _train(
        'configs/relative_loc/demo.py', synthetic_root, 30, batch=16)
    _assert_falls(history)
    assert sum(h['acc'] for h in history[-5:]) / 5 >= 0.5
    assert_backbone_transfers(model, tmp_path)


def test_cpc_demo_loss_falls(synthetic_root, tmp_path):
    model, history = _train('configs/cpcv2/demo.py', synthetic_root, 10)
    _assert_falls(history)
    assert_backbone_transfers(model, tmp_path)
