"""CPC v2's context network, predictors and InfoNCE over a patch grid
(Henaff et al., ICML 2020, appendix pseudo-code)."""
from typing import Dict, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmdense.registry import MODELS
from ..losses.mutual_info import cpc_info_nce
from ..utils.gather import gather_batch


class CausalBlock(nn.Module):
    """One residual block of CPC v2's PixelCNN-style context network:
    1x1 conv -> ReLU -> (1x3) conv within the row -> one zero row padded on
    top -> (2x1) conv over the row above and the row itself -> ReLU -> 1x1
    conv, added to the input.  Output row r sees input rows <= r only."""

    def __init__(self, channels: int, hid_channels: int) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(channels, hid_channels, 1)
        self.row = nn.Conv2d(
            hid_channels, hid_channels, (1, 3), padding=(0, 1))
        self.up = nn.Conv2d(hid_channels, hid_channels, (2, 1))
        self.expand = nn.Conv2d(hid_channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.row(F.relu(self.reduce(x)))
        c = F.relu(self.up(F.pad(c, (0, 0, 1, 0))))
        return x + self.expand(c)


class CausalContextNet(nn.Sequential):
    """``num_blocks`` :class:`CausalBlock` then ReLU (5 blocks of width 256
    in the paper): context at row r summarises the rows <= r."""

    def __init__(self,
                 channels: int,
                 hid_channels: int = 256,
                 num_blocks: int = 5) -> None:
        super().__init__(
            *[CausalBlock(channels, hid_channels) for _ in range(num_blocks)],
            nn.ReLU())


#: direction -> (grid -> grid in which "down" is that direction).  Each is
#: its own inverse except 'left' (see :func:`_from_frame`).
DIRECTIONS = ('down', 'up', 'right', 'left')


def _to_frame(z: torch.Tensor, direction: str) -> torch.Tensor:
    if direction == 'down':
        return z
    if direction == 'up':
        return z.flip(2)
    if direction == 'right':  # left-to-right: columns become rows
        return z.transpose(2, 3)
    return z.transpose(2, 3).flip(2)  # 'left'


def _from_frame(z: torch.Tensor, direction: str) -> torch.Tensor:
    if direction == 'left':
        return z.flip(2).transpose(2, 3)
    return _to_frame(z, direction)


@MODELS.register_module()
class CPCHead(BaseModule):
    """CPC v2 on a grid of patch vectors ``z`` (B, D, rows, cols).

    Per prediction direction (``'down'``: from the rows above, the
    paper's original; ``'up'``, ``'right'``, ``'left'``: the paper's
    extra directions): a causal context network ``c = g(z)``, a linear
    target embedding ``t = W z`` and, for each offset ``k``, a linear
    predictor ``p_k = W_k c``.  The prediction made at (r, col) for
    (r + k, col) is scored against every target of the gathered batch::

        loss = sum_directions sum_k mean_{b,r,col} -log softmax_n(
                   emb_scale * p_k[b, r, col] . t_n)[(b, r + k, col)]

    Offsets ``k = steps_to_ignore + 1 .. steps_to_predict`` (the paper's
    code: ``steps_to_ignore=2, steps_to_predict=3``, i.e. three rows ahead:
    with patches overlapping by half, the nearer rows share pixels with the
    context).  ``steps_to_ignore=0, steps_to_predict=K`` predicts 1..K.

    Args:
        in_channels (int): D, the patch vector size.
        hid_channels (int): width inside the context blocks (256).
        num_blocks (int): context blocks (5).
        target_channels (int): embedding size of targets and predictions
            (64).
        emb_scale (float): multiplies the predictions (0.1).
        steps_to_ignore, steps_to_predict (int): see above (2, 3).
        directions (Sequence[str]): subset of :data:`DIRECTIONS`, each with
            its own networks; their losses are summed.
    """

    def __init__(self,
                 in_channels: int,
                 hid_channels: int = 256,
                 num_blocks: int = 5,
                 target_channels: int = 64,
                 emb_scale: float = 0.1,
                 steps_to_ignore: int = 2,
                 steps_to_predict: int = 3,
                 directions: Sequence[str] = ('down', ),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not 0 <= steps_to_ignore < steps_to_predict:
            raise ValueError(
                'CPCHead: need 0 <= steps_to_ignore < steps_to_predict (got '
                f'{steps_to_ignore}, {steps_to_predict})')
        bad = [d for d in directions if d not in DIRECTIONS]
        if bad or not directions or len(set(directions)) != len(directions):
            raise ValueError(f'CPCHead: directions must be distinct names '
                             f'from {DIRECTIONS}, got {tuple(directions)}')
        self.offsets = list(range(steps_to_ignore + 1, steps_to_predict + 1))
        self.directions = tuple(directions)
        self.emb_scale = emb_scale
        self.context_nets = nn.ModuleDict({
            d:
            CausalContextNet(in_channels, hid_channels, num_blocks)
            for d in directions
        })
        self.target_nets = nn.ModuleDict({
            d:
            nn.Conv2d(in_channels, target_channels, 1)
            for d in directions
        })
        self.predictors = nn.ModuleDict({
            d:
            nn.ModuleList(
                nn.Conv2d(in_channels, target_channels, 1)
                for _ in self.offsets)
            for d in directions
        })

    def check_grid(self, rows: int, cols: int) -> None:
        need = max(self.offsets) + 1
        short = [(d, n) for d, n in (('down', rows), ('up', rows),
                                     ('right', cols), ('left', cols))
                 if d in self.directions and n < need]
        if short:
            raise ValueError(
                f'CPCHead: a {rows}x{cols} patch grid is too small to predict '
                f'{max(self.offsets)} steps ahead (steps_to_predict) in '
                f'direction(s) {[d for d, _ in short]}: use a larger crop or '
                f'more overlap (PatchGrid stride), or a smaller '
                f'steps_to_predict')

    def contexts(self, z: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Context maps per direction, in the grid's own orientation."""
        return {
            d: _from_frame(self.context_nets[d](_to_frame(z, d)), d)
            for d in self.directions
        }

    def offset_loss(self, preds: torch.Tensor, targets: torch.Tensor,
                    k: int) -> torch.Tensor:
        """InfoNCE of the predictions ``preds`` (B, C, H, W) made at rows
        0..H-k-1 for the targets (B, C, H, W) k rows below, every target of
        the gathered batch a candidate."""
        b, c, h, w = targets.shape
        queries = (preds[:, :, :h - k] * self.emb_scale).permute(0, 2, 3,
                                                                 1).reshape(
                                                                     -1, c)
        keys, offset = gather_batch(targets.permute(0, 2, 3, 1))
        img = torch.arange(b, device=preds.device).view(b, 1, 1) + offset
        rows = torch.arange(h - k, device=preds.device).view(1, -1, 1) + k
        cols = torch.arange(w, device=preds.device).view(1, 1, -1)
        labels = (img * h * w + rows * w + cols).flatten()
        return cpc_info_nce(queries, keys.reshape(-1, c), labels)

    def loss(self, z: torch.Tensor) -> Dict[str, torch.Tensor]:
        self.check_grid(*z.shape[2:])
        losses = {}
        for d in self.directions:
            zd = _to_frame(z, d)
            context = self.context_nets[d](zd)
            targets = self.target_nets[d](zd)
            for k, predictor in zip(self.offsets, self.predictors[d]):
                losses[f'loss_{d}_{k}'] = self.offset_loss(
                    predictor(context), targets, k)
        return losses
