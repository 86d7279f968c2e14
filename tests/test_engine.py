import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, MessageHub

from mmdense.engine import CPUAmpOptimWrapper
from mmdense.utils import apply_cpu_fallbacks, trusted_checkpoint_loading


def test_cpu_amp_wrapper_autocasts_to_bf16_and_trains():
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    wrapper = CPUAmpOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    x = torch.randn(64, 4)
    y = x @ torch.tensor([[1.], [-2.], [0.5], [3.]])
    losses = []
    for _ in range(30):
        with wrapper.optim_context(model):
            out = model(x)
            assert out.dtype == torch.bfloat16
            loss = ((out.float() - y)**2).mean()
        wrapper.update_params(loss)
        losses.append(loss.item())
    assert model.weight.dtype == torch.float32  # master weights stay fp32
    assert losses[-1] < 0.1 * losses[0]


def test_cpu_amp_wrapper_rejects_other_dtypes():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match='bfloat16 or float16'):
        CPUAmpOptimWrapper(
            dtype='float64', optimizer=torch.optim.SGD(model.parameters(),
                                                      lr=0.1))


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only behaviour')
def test_cpu_fallbacks_rewrite_gpu_only_wrappers():
    cfg = Config(
        dict(
            optim_wrapper=dict(
                type='AmpOptimWrapper', loss_scale='dynamic',
                optimizer=dict(type='SGD', lr=0.1)),
            find_unused_parameters=True))
    apply_cpu_fallbacks(cfg, distributed=True)
    assert cfg.optim_wrapper.type == 'mmdense.engine.CPUAmpOptimWrapper'
    assert 'loss_scale' not in cfg.optim_wrapper
    assert cfg.model_wrapper_cfg == dict(
        type='mmdense.engine.CPUDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=True)
    single = Config(dict(optim_wrapper=dict(type='OptimWrapper')))
    apply_cpu_fallbacks(single, distributed=False)
    assert single.optim_wrapper.type == 'OptimWrapper'
    assert 'model_wrapper_cfg' not in single


def test_own_checkpoints_load_only_inside_the_trusted_context(tmp_path):
    hub = MessageHub.get_instance('test_trusted_loading')
    hub.update_scalar('train/loss', 1.5)
    ckpt = dict(
        state_dict=dict(w=torch.ones(2)), message_hub=hub.state_dict())
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path)  # torch>=2.6 default: weights-only, rejects it
    with trusted_checkpoint_loading():
        loaded = torch.load(path)
        # an explicit weights_only=True (converters, load_from) still wins
        with pytest.raises(Exception, match='Weights only load failed'):
            torch.load(path, weights_only=True)
    buf = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer) and buf.current() == 1.5
    with pytest.raises(Exception, match='Weights only load failed'):
        torch.load(path)  # the default is back outside the block
