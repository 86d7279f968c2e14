"""Classifier on a pair of patch features (context prediction)."""
from typing import Dict, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmdense.registry import MODELS


@MODELS.register_module()
class PatchPairHead(BaseModule):
    """Doersch et al.'s late fusion: the two patch features (each the
    shared encoder's pooled C5, which stands in for AlexNet's fc6) are
    concatenated, go through fully connected layers with ReLU (fc7, fc8:
    4096 each in the paper) and a ``num_classes``-way classifier (8
    relative positions); loss = cross-entropy.

    Args:
        in_channels (int): size of one patch feature.
        hid_channels (Sequence[int]): widths of the hidden layers.
        num_classes (int): 8 for the relative position; a binary pair task
            uses 2.
        loss_weight (float): multiplies the loss.
    """

    def __init__(self,
                 in_channels: int,
                 hid_channels: Sequence[int] = (4096, 4096),
                 num_classes: int = 8,
                 loss_weight: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        layers, width = [], 2 * in_channels
        for hid in hid_channels:
            layers += [nn.Linear(width, hid), nn.ReLU(inplace=True)]
            width = hid
        self.fuse = nn.Sequential(*layers)
        self.classifier = nn.Linear(width, num_classes)
        self.num_classes = num_classes
        self.loss_weight = loss_weight

    def forward(self, first: torch.Tensor,
                second: torch.Tensor) -> torch.Tensor:
        """(N, C), (N, C) -> logits (N, num_classes)."""
        return self.classifier(self.fuse(torch.cat([first, second], dim=1)))

    def loss(self, first: torch.Tensor, second: torch.Tensor,
             labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        logits = self(first, second).float()
        acc = (logits.argmax(dim=1) == labels).float().mean()
        return dict(
            loss=self.loss_weight * F.cross_entropy(logits, labels),
            acc=acc.detach())
