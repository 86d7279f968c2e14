"""CPUAmpOptimWrapper: bf16 and fp16 autocast on CPU, dynamic loss scaling,
and the fp32 guard for tiny strided convolutions."""
import pytest
import torch
import torch.nn as nn

from mmdense.engine import CPUAmpOptimWrapper


def _fit_linear(dtype):
    """30 SGD steps of a linear regression through CPUAmpOptimWrapper
    (``dtype``): the forward output must be in ``dtype``, the master weights
    stay fp32 and the loss falls 10-fold.  Returns (model, wrapper, x)."""
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    wrapper = CPUAmpOptimWrapper(
        dtype=dtype, optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    x = torch.randn(64, 4)
    y = x @ torch.tensor([[1.], [-2.], [0.5], [3.]])
    losses = []
    for _ in range(30):
        with wrapper.optim_context(model):
            out = model(x)
            assert out.dtype == getattr(torch, dtype)
            loss = ((out.float() - y)**2).mean()
        wrapper.update_params(loss)
        losses.append(loss.item())
    assert model.weight.dtype == torch.float32  # master weights stay fp32
    assert losses[-1] < 0.1 * losses[0]
    return model, wrapper, x


def test_cpu_amp_wrapper_autocasts_to_bf16_and_trains():
    _fit_linear('bfloat16')


def test_cpu_amp_wrapper_rejects_other_dtypes():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match='bfloat16 or float16'):
        CPUAmpOptimWrapper(
            dtype='float64',
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


def _tiny_conv_weight_grads(guard):
    """The weight gradient of a stride-2 3x3 conv (a ResNet layer4 conv1)
    on a 1x1 map, ResNet-18 widths: bf16 autocast on CPU (four calls, the
    allocator dirtied before each) and the fp32 reference.  Only the center
    tap sees the input; the other 8 taps see padding, so their exact
    gradient is 0."""
    from mmdense.engine.optim_wrappers import guard_cpu_autocast_convs_
    torch.manual_seed(0)
    conv = nn.Conv2d(256, 512, 3, 2, 1, bias=False)
    x = torch.randn(16, 256, 1, 1)
    if guard:
        guard_cpu_autocast_convs_(conv)
    grads = []
    for i in range(4):
        junk = torch.full((10**6 * (i + 1), ), 1e30)  # garbage left behind
        del junk
        conv.weight.grad = None
        with torch.autocast('cpu', dtype=torch.bfloat16):
            y = conv(x)
        y.float().sum().backward()
        grads.append(conv.weight.grad.clone())
    conv.weight.grad = None
    conv(x).sum().backward()
    return grads, conv.weight.grad


def test_tiny_strided_conv_weight_grad_under_cpu_autocast():
    """torch 2.11's CPU low-precision weight gradient of a strided conv on a
    map no larger than its stride is garbage in the padding-only taps
    (uninitialised memory: up to 1e37 or NaN, different from call to call);
    guarded, the conv runs in fp32 and matches the fp32 reference.  If this
    test's first part fails, torch has fixed the kernel and the guard in
    CPUAmpOptimWrapper can go."""
    padding_taps = torch.ones(3, 3, dtype=torch.bool)
    padding_taps[1, 1] = False
    grads, ref = _tiny_conv_weight_grads(guard=False)
    assert torch.count_nonzero(ref[:, :, padding_taps]) == 0
    worst = max(
        float(g[:, :, padding_taps].abs().nan_to_num(float('inf')).max())
        for g in grads)
    assert worst > 1.0  # before: far from the reference's 0
    grads, ref = _tiny_conv_weight_grads(guard=True)
    for g in grads:  # after: the fp32 answer, exactly (fp32 computation)
        assert torch.equal(g, ref)


def test_cpu_autocast_guard_only_touches_tiny_strided_convs():
    from mmdense.engine.optim_wrappers import (guard_cpu_autocast_convs_,
                                               is_tiny_strided_conv)
    conv = nn.Conv2d(4, 4, 3, 2, 1)
    assert is_tiny_strided_conv(conv, torch.zeros(1, 4, 2, 9))
    assert not is_tiny_strided_conv(conv, torch.zeros(1, 4, 3, 3))
    assert not is_tiny_strided_conv(
        nn.Conv2d(4, 4, 3, 1, 1), torch.zeros(1, 4, 1, 1))
    guard_cpu_autocast_convs_(conv)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert conv(torch.randn(1, 4, 1, 1)).dtype == torch.float32
        assert conv(torch.randn(1, 4, 8, 8)).dtype == torch.bfloat16
    import copy
    twin = copy.deepcopy(conv)  # the guard follows the copy (EMA teachers)
    assert twin.forward.__self__ is twin


def test_cpu_amp_wrapper_fp16_with_dynamic_loss_scaling():
    """fp16 autocast on CPU with torch.amp.GradScaler('cpu'): it trains; a
    step whose gradients overflow is skipped (weights unchanged) and the
    scale halves; the scaler's state is saved and restored."""
    model, wrapper, x = _fit_linear('float16')
    assert wrapper.loss_scaler.is_enabled()
    scale = wrapper.loss_scaler.get_scale()
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        loss = model(x).float().mean() * float('inf')  # overflowing grads
    wrapper.update_params(loss)
    assert torch.equal(model.weight, before)
    assert wrapper.loss_scaler.get_scale() == scale / 2
    state = wrapper.state_dict()
    fresh = CPUAmpOptimWrapper(
        dtype='float16', optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    fresh.load_state_dict(state)
    assert fresh.loss_scaler.get_scale() == scale / 2


def test_cpu_amp_wrapper_bf16_takes_no_loss_scale():
    model = nn.Linear(2, 2)
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    assert not CPUAmpOptimWrapper(optimizer=optim).loss_scaler.is_enabled()
    with pytest.raises(ValueError, match='bf16 needs no loss scaling'):
        CPUAmpOptimWrapper(optimizer=optim, loss_scale='dynamic')
