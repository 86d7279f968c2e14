"""apply_cpu_fallbacks: GPU-only wrappers of a config rewritten for CPU
runs."""
import pytest
import torch
from mmengine.config import Config

from mmdense.utils import apply_cpu_fallbacks


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only behaviour')
def test_cpu_fallbacks_rewrite_gpu_only_wrappers():
    cfg = Config(
        dict(
            optim_wrapper=dict(
                type='AmpOptimWrapper',
                loss_scale='dynamic',
                optimizer=dict(type='SGD', lr=0.1)),
            find_unused_parameters=True))
    apply_cpu_fallbacks(cfg, distributed=True)
    assert cfg.optim_wrapper.type == 'mmdense.engine.CPUAmpOptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper
    assert cfg.model_wrapper_cfg == dict(
        type='mmdense.engine.CPUDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=True)
    single = Config(dict(optim_wrapper=dict(type='OptimWrapper')))
    apply_cpu_fallbacks(single, distributed=False)
    assert single.optim_wrapper.type == 'OptimWrapper'
    assert 'model_wrapper_cfg' not in single
