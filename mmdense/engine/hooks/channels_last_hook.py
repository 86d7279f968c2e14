"""channels_last memory format for a model and its inputs.

Convolutions in NHWC ("channels_last") are faster with tensor cores under
AMP (bf16 / fp16) and with oneDNN on CPU.  :func:`to_channels_last`
converts a model's 4-D parameters and buffers and makes its data
preprocessor hand over channels_last inputs; :class:`ChannelsLastHook` does
it before training::

    custom_hooks = [..., dict(type='mmdense.engine.ChannelsLastHook')]
"""
import torch
import torch.nn as nn
from mmengine.hooks import Hook
from mmpretrain.utils import get_ori_model

from mmdense.registry import HOOKS


def _inputs_channels_last(module, args, out):
    if not isinstance(out, dict) or 'inputs' not in out:
        return out
    cl = torch.channels_last

    def convert(x):
        return x.contiguous(memory_format=cl) if isinstance(
            x, torch.Tensor) and x.dim() == 4 else x

    inputs = out['inputs']
    out['inputs'] = [convert(x) for x in inputs] if isinstance(
        inputs, (list, tuple)) else convert(inputs)
    return out


def to_channels_last(model: nn.Module) -> nn.Module:
    """Convert ``model`` (in place) to channels_last and register a forward
    hook on its ``data_preprocessor`` that converts every 4-D input (a tensor
    or each view of a list) to channels_last.  Idempotent."""
    model = get_ori_model(model)
    model.to(memory_format=torch.channels_last)
    pre = getattr(model, 'data_preprocessor', None)
    if pre is not None and not getattr(pre, '_mmdense_channels_last', False):
        pre.register_forward_hook(_inputs_channels_last)
        pre._mmdense_channels_last = True
    return model


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Run :func:`to_channels_last` on the model before training."""
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        to_channels_last(runner.model)
