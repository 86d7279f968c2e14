"""Deep Graph InfoMax's readout, bilinear discriminator and corruption
negatives on feature maps (Velickovic et al., ICLR 2019)."""
from typing import Dict, Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmdense.registry import MODELS
from ..losses.other_pretexts import dgi_loss
from ..utils.gather import gather_batch
from .dim_head import MIEmbedding


@MODELS.register_module()
class DGIHead(BaseModule):
    """Deep Graph InfoMax on an image's local features.

    The locals ``h`` (each position of the local feature map, embedded by
    DIM's 1x1-conv network) are the graph's node embeddings; the summary
    is ``s = sigmoid(mean_p h_p)`` (DGI's readout); the discriminator is
    bilinear, ``D(h, s) = sigmoid(h^T W s + b)``; the loss is DGI's binary
    cross-entropy (:func:`dgi_loss`) with positives ``(h_p, s)`` of the
    same image and negatives ``(h~_q, s)``:

    * ``negatives='shuffle'`` (DGI): ``h~`` = the locals the encoder
      computes from a corrupted input (:class:`DeepInfoMax` with
      ``corrupt_stage``: the input of one backbone stage with its spatial
      positions shuffled,
      :func:`mmdense.models.utils.shuffle_positions`; the grid -- the
      graph -- is kept by the later convolutions);
    * ``negatives='batch+shuffle'``: also every local of the other images
      of the gathered batch (DIM's negatives) against ``s``.

    The global vector DIM passes is not used (DGI's summary replaces it).

    Args:
        local_channels (int): channels of the local feature map.
        hid_channels / out_channels (int): of the local embedding network.
        negatives (str): ``'shuffle'`` or ``'batch+shuffle'``.
        loss_weight (float): multiplies the loss.
    """
    NEGATIVES = ('shuffle', 'batch+shuffle')
    needs_corruption = True

    def __init__(self,
                 local_channels: int,
                 hid_channels: int = 2048,
                 out_channels: int = 2048,
                 negatives: str = 'shuffle',
                 loss_weight: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if negatives not in self.NEGATIVES:
            raise ValueError(f'DGIHead: negatives must be one of '
                             f'{self.NEGATIVES}, got {negatives!r}')
        self.local_net = MIEmbedding(local_channels, hid_channels,
                                     out_channels)
        self.discriminator = nn.Bilinear(out_channels, out_channels, 1)
        nn.init.xavier_uniform_(self.discriminator.weight)  # DGI's init
        nn.init.zeros_(self.discriminator.bias)
        self.negatives = negatives
        self.loss_weight = loss_weight

    def embed(self, local_map: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) -> locals (N, L, D)."""
        return self.local_net(local_map).flatten(2).transpose(1, 2)

    @staticmethod
    def summary(loc: torch.Tensor) -> torch.Tensor:
        """DGI's readout: ``sigmoid(mean of the locals)``, (N, L, D) ->
        (N, D)."""
        return torch.sigmoid(loc.mean(dim=1))

    def discriminate(self, loc: torch.Tensor,
                     summary: torch.Tensor) -> torch.Tensor:
        """Logits ``h^T W s + b`` of every local (N, L, D) against the
        summary of its row (N, D) -> (N, L)."""
        n, l, d = loc.shape
        s = summary[:, None].expand(n, l, d)
        # nn.Bilinear has no autocast rule: feed it its weight's dtype
        dtype = self.discriminator.weight.dtype
        return self.discriminator(
            loc.reshape(-1, d).to(dtype),
            s.reshape(-1, d).to(dtype)).view(n, l)

    def loss(
        self,
        local_map: torch.Tensor,
        global_vec: Optional[torch.Tensor] = None,
        corrupted_map: Optional[torch.Tensor] = None
    ) -> Dict[str, torch.Tensor]:
        if corrupted_map is None:
            raise ValueError(
                'DGIHead needs the corrupted local map: set corrupt_stage '
                'in DeepInfoMax (e.g. corrupt_stage=3 for ResNet C5)')
        loc = self.embed(local_map)
        s = self.summary(loc)
        pos = self.discriminate(loc, s)
        neg = [self.discriminate(self.embed(corrupted_map), s)]
        if self.negatives == 'batch+shuffle':
            others, offset = gather_batch(loc)
            n, m = len(loc), len(others)
            keep = torch.ones(n, m, dtype=torch.bool, device=loc.device)
            keep[torch.arange(n), torch.arange(n) + offset] = False
            # every local of every other image against each summary
            logits = torch.einsum('mld,de,ne->nml', others,
                                  self.discriminator.weight[0], s)
            logits = logits + self.discriminator.bias
            neg.append(logits[keep])
        loss = dgi_loss(pos, torch.cat([x.flatten() for x in neg]))
        return dict(loss=self.loss_weight * loss)
