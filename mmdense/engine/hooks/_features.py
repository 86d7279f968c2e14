"""Model helpers shared by the training-signal hooks
(:class:`CollapseMonitorHook`, :class:`DenseProbeHook`)."""
from typing import Dict

import torch.nn as nn


def _level_heads(model: nn.Module) -> Dict[str, nn.Module]:
    """Level name -> head: ``model.level_heads()`` of mmdense's methods
    (``{'': head}``; DeCon: ``{'enc': ..., 'dec0': ...}``), else the plain
    mmpretrain layout (``{'': model.neck}``-like, handled by the caller)."""
    if hasattr(model, 'level_heads'):
        return dict(model.level_heads())
    return {}
