"""Each demo config trains on the synthetic data: one fixed batch of real
views from its own pipeline, its own optimizer, real train steps; every loss
term falls once it is active (and, for queue methods, once the queues hold
real keys)."""
import os.path as osp

import pytest
import torch
from helpers import REPO, demo_batch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmdense.registry import MODELS

# config, steps, first step that is measured (after warm-up / queue fill)
DEMOS = [
    ('configs/densecl/demo.py', 30, 4),
    ('configs/slotcon/demo.py', 30, 0),
    ('configs/decon/demo.py', 24, 0),
    ('configs/decon/demo_densecl.py', 30, 4),
    ('configs/pixpro/demo.py', 30, 0),
    ('configs/decon/demo_pixpro.py', 24, 0),
    ('configs/detcon/demo.py', 30, 0),
    ('configs/decon/demo_detcon.py', 24, 0),
    ('configs/vicregl/demo.py', 30, 0),
    ('configs/decon/demo_vicregl.py', 24, 0),
]


@pytest.mark.parametrize('config,steps,start', DEMOS)
def test_demo_losses_fall(config, steps, start, synthetic_root):
    cfg = Config.fromfile(osp.join(REPO, config))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()  # as the Runner does (teachers copied)
    model.max_iters = 1000
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    data = demo_batch(cfg, synthetic_root)
    history = []
    for _ in range(steps):
        history.append({
            k: float(v)
            for k, v in model.train_step(data, optim).items()
        })
    terms = [k for k in history[-1] if 'loss' in k and k != 'loss']
    assert terms
    for term in terms:
        values = [h[term] for h in history[start:]]
        assert all(v == v for v in values), f'{term} is NaN'
        first, last = sum(values[:3]) / 3, sum(values[-3:]) / 3
        assert last < first, f'{config}: {term} {first:.4f} -> {last:.4f}'
