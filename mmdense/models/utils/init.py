"""Weight inits of official code that PyTorch and mmengine do not name."""
import math

import torch
import torch.nn as nn


@torch.no_grad()
def haiku_init_(module: nn.Module) -> nn.Module:
    """Haiku's default ``Linear`` / ``Conv`` init, as DetCon's networks use
    it (none is overridden there): weights truncated normal with std
    ``1 / sqrt(fan_in)``, cut at two standard deviations (no variance
    correction), biases 0; norm layers untouched."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            std = 1 / math.sqrt(m.weight[0].numel())
            nn.init.trunc_normal_(m.weight, std=std, a=-2 * std, b=2 * std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module
