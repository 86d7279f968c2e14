import types
from contextlib import contextmanager
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.optim import AmpOptimWrapper, OptimWrapper

from mmdense.registry import OPTIM_WRAPPERS


def is_tiny_strided_conv(conv: nn.Conv2d, x: torch.Tensor) -> bool:
    """Whether ``conv`` on ``x`` is a strided convolution whose input is no
    larger than its stride in height or width (e.g. a stride-2 3x3 conv on a
    1x1 map, as a ResNet's layer4 sees for 16-px patches).

    Under CPU autocast (bf16 and fp16), torch 2.11's oneDNN kernel for the
    *weight gradient* of such a conv returns values from memory it never
    wrote for the kernel taps that only see padding: huge numbers, NaN, or
    small values that change from run to run (the forward and the input
    gradient are right).  Adam turns any non-zero gradient into an
    lr-sized step, so training diverges or differs between two processes.
    The rule is deliberately broader than the failing cases measured
    (stride > input size, kernel > 1; docs/stack_notes.md): the maps it
    catches are tiny, so computing them in fp32 costs nothing measurable.
    """
    stride = max(conv.stride)
    return stride > 1 and min(x.shape[-2:]) <= stride


def _cpu_amp_safe_conv_forward(self: nn.Conv2d, x: torch.Tensor):
    if (x.device.type == 'cpu' and torch.is_autocast_enabled('cpu')
            and is_tiny_strided_conv(self, x)):
        with torch.autocast('cpu', enabled=False):
            return type(self).forward(self, x.float())
    return type(self).forward(self, x)


def guard_cpu_autocast_convs_(model: nn.Module) -> nn.Module:
    """Run every ``nn.Conv2d`` of ``model`` in fp32 where
    :func:`is_tiny_strided_conv` holds and CPU autocast is on (elsewhere
    unchanged), the way autocast keeps ops with unsafe low-precision kernels
    in fp32.  Idempotent; a deep copy of the model keeps the guard (the
    method is re-bound to the copy)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and 'forward' not in vars(m):
            m.forward = types.MethodType(_cpu_amp_safe_conv_forward, m)
    return model


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(AmpOptimWrapper):
    """Mixed precision on CPU: the forward runs under CPU autocast.

    mmengine's ``AmpOptimWrapper`` asserts a GPU-like device, so ``--amp`` on a
    CPU machine selects this wrapper instead.  Weights and optimizer state
    stay fp32.

    * ``dtype='bfloat16'`` (default): bf16 has fp32's exponent range, so no
      loss scaling is needed (none is done; ``loss_scale`` must be None);
    * ``dtype='float16'``: fp16 with a loss scaler,
      ``torch.amp.GradScaler('cpu')``: ``loss_scale='dynamic'`` (default),
      a float (static) or a dict of ``GradScaler`` arguments, as mmengine's
      ``AmpOptimWrapper``; steps whose gradients overflow are skipped.

    The model's convolutions on maps no larger than their stride run in fp32
    (:func:`guard_cpu_autocast_convs_`): their low-precision weight gradient
    is wrong on CPU in torch 2.11.

    Args:
        dtype (str | torch.dtype): ``'bfloat16'`` or ``'float16'``.
        loss_scale (str | float | dict, optional): see above.
    """

    def __init__(self,
                 dtype: Union[str, torch.dtype] = 'bfloat16',
                 loss_scale: Optional[Union[str, float, dict]] = None,
                 **kwargs) -> None:
        OptimWrapper.__init__(self, **kwargs)  # AmpOptimWrapper's needs CUDA
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype, None)
        if dtype not in (torch.bfloat16, torch.float16):
            raise ValueError(f'CPUAmpOptimWrapper: dtype must be bfloat16 or '
                             f'float16, got {dtype}')
        self.cast_dtype = dtype
        self._scale_update_param = None
        if dtype == torch.bfloat16:
            if loss_scale is not None:
                raise ValueError(
                    'CPUAmpOptimWrapper: bf16 needs no loss scaling; remove '
                    f'loss_scale={loss_scale!r} or use dtype="float16".')
            # a disabled scaler: scale / unscale_ / update do nothing and
            # step() is the optimizer's step
            self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
        elif loss_scale in (None, 'dynamic'):
            self.loss_scaler = torch.amp.GradScaler('cpu')
        elif isinstance(loss_scale, float):
            self._scale_update_param = loss_scale
            self.loss_scaler = torch.amp.GradScaler(
                'cpu', init_scale=loss_scale)
        elif isinstance(loss_scale, dict):
            self.loss_scaler = torch.amp.GradScaler('cpu', **loss_scale)
        else:
            raise TypeError('CPUAmpOptimWrapper: loss_scale must be '
                            '"dynamic", a float or a dict, got '
                            f'{loss_scale!r}')

    @contextmanager
    def optim_context(self, model: nn.Module):
        guard_cpu_autocast_convs_(model)
        with OptimWrapper.optim_context(self, model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield
