import torch
import torch.nn as nn
from mmpretrain.models.selfsup import BaseSelfSupervisor


class PooledSelfSupervisor(BaseSelfSupervisor):
    """``BaseSelfSupervisor`` (backbone + head, no neck) whose image vector
    is the global average pool of the backbone's last stage:
    ``pooled(c5) = mean over (h, w) of c5`` -> (N, C).

    The base of the single-encoder pretexts (:class:`ContextPrediction`,
    :class:`CPCv2`, :class:`DeepInfoMax`); the pool has no parameters, so
    the state dict is the backbone's and the head's.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 data_preprocessor=None,
                 init_cfg=None) -> None:
        super().__init__(
            backbone=backbone,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def pooled(self, last_stage: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) -> (N, C) average over the positions."""
        return self.pool(last_stage).flatten(1)
