"""Deep InfoMax's local-global critic and loss (Hjelm et al., ICLR 2019)."""
from typing import Callable, Dict

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mmdense.registry import MODELS
from ..losses.mutual_info import dim_infonce, dim_jsd
from ..utils.gather import gather_batch


class MIEmbedding(nn.Module):
    """DIM's embedding network on a feature map (N, C, H, W): a non-linear
    1x1-conv branch (conv-BN-ReLU-conv) plus a linear 1x1-conv shortcut
    (initialised near the identity where ``out >= in``), then LayerNorm over
    the channels.  On a (N, C, 1, 1) map it is DIM's MLP for the global
    vector.
    """

    def __init__(self, in_channels: int, hid_channels: int,
                 out_channels: int) -> None:
        super().__init__()
        self.nonlinear = nn.Sequential(
            nn.Conv2d(in_channels, hid_channels, 1, bias=False),
            nn.BatchNorm2d(hid_channels), nn.ReLU(inplace=True),
            nn.Conv2d(hid_channels, out_channels, 1))
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        if out_channels >= in_channels:
            with torch.no_grad():
                self.shortcut.weight.uniform_(-0.01, 0.01)
                idx = torch.arange(in_channels)
                self.shortcut.weight[idx, idx, 0, 0] = 1.0
        self.norm = nn.LayerNorm(out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.nonlinear(x) + self.shortcut(x)
        return self.norm(h.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


@MODELS.register_module()
class DIMHead(BaseModule):
    """Local-global Deep InfoMax: the global vector of each image against
    every local feature of the batch.

    ``local_net`` (1x1 convs) embeds each location of the local map,
    ``global_net`` (an MLP) the global vector; the score of a pair is their
    dot product.  Positives: (global of image i, each location of image i);
    negatives: the locations of the other images of the batch, gathered
    over every process (with gradient through this process's own rows).

    Args:
        local_channels (int): channels of the local feature map.
        global_channels (int): size of the global feature vector.
        hid_channels (int): hidden width of both embedding networks.
        out_channels (int): embedding size (score = dot product).
        estimator (str): ``'jsd'`` (the paper's default for DIM(L)) or
            ``'infonce'``; :data:`ESTIMATORS`.
        negatives (str): where negatives come from: ``'batch'`` (other images
            of the gathered batch, the paper's).  :meth:`negative_locals`
            is the place for other sources.
        self_score (float): InfoNCE score of the global's own image among
            the candidates (-10, official code).
        loss_weight (float): multiplies the loss.
    """
    #: name -> ``fn(scores (N, M, L), positive (N,), **kw) -> loss``
    ESTIMATORS: Dict[str, Callable] = {'jsd': dim_jsd, 'infonce': dim_infonce}
    NEGATIVES = ('batch', )

    def __init__(self,
                 local_channels: int,
                 global_channels: int,
                 hid_channels: int = 2048,
                 out_channels: int = 2048,
                 estimator: str = 'jsd',
                 negatives: str = 'batch',
                 self_score: float = -10.0,
                 loss_weight: float = 1.0,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if estimator not in self.ESTIMATORS:
            raise ValueError(f'DIMHead: estimator must be one of '
                             f'{sorted(self.ESTIMATORS)}, got {estimator!r}')
        if negatives not in self.NEGATIVES:
            raise ValueError(f'DIMHead: negatives must be one of '
                             f'{self.NEGATIVES}, got {negatives!r}')
        self.local_net = MIEmbedding(local_channels, hid_channels,
                                     out_channels)
        self.global_net = MIEmbedding(global_channels, hid_channels,
                                      out_channels)
        self.estimator = estimator
        self.negatives = negatives
        self.self_score = self_score
        self.loss_weight = loss_weight

    def embed(self, local_map: torch.Tensor, global_vec: torch.Tensor):
        """(N, C, H, W), (N, G) -> local (N, L, D), global (N, D)."""
        loc = self.local_net(local_map).flatten(2).transpose(1, 2)
        glob = self.global_net(global_vec[:, :, None, None]).flatten(1)
        return loc, glob

    def negative_locals(self, loc: torch.Tensor):
        """The candidate locals (M, L, D) scored against every global, and
        the index of each global's own image among them."""
        candidates, offset = gather_batch(loc)
        positive = torch.arange(len(loc), device=loc.device) + offset
        return candidates, positive

    def scores(self, glob: torch.Tensor, candidates: torch.Tensor):
        """Dot-product critic: ``scores[i, j, p] = g_i . l_{j,p}``."""
        return torch.einsum('nd,mld->nml', glob, candidates)

    def loss(self, local_map: torch.Tensor,
             global_vec: torch.Tensor) -> Dict[str, torch.Tensor]:
        loc, glob = self.embed(local_map, global_vec)
        candidates, positive = self.negative_locals(loc)
        scores = self.scores(glob, candidates)
        kwargs = dict(self_score=self.self_score) \
            if self.estimator == 'infonce' else {}
        loss = self.ESTIMATORS[self.estimator](scores, positive, **kwargs)
        return dict(loss=self.loss_weight * loss)
