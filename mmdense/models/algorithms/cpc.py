import math
from typing import List

import torch

from mmdense.registry import MODELS
from .pooled import PooledSelfSupervisor


@MODELS.register_module()
class CPCv2(PooledSelfSupervisor):
    """Contrastive predictive coding v2 for images (Henaff et al., ICML
    2020): every patch of a grid is encoded by the backbone into a vector
    (average-pooled last stage); :class:`CPCHead` runs the causal context
    network over the grid and predicts the patches rows ahead by InfoNCE.

    The grid comes from the data pipeline (:class:`PatchGrid`: ``inputs`` =
    one (B, 3, p, p) tensor per patch, row-major; ``grid_shape`` in the
    metainfo, else a square grid).  The backbone is an ordinary ResNet
    applied to patches, so ``backbone.*`` transfers as it is and runs on
    full images downstream (docs/mi_position_methods.md).
    """

    @staticmethod
    def grid_shape(num_patches: int, data_samples: list):
        if data_samples and 'grid_shape' in data_samples[0]:
            rows, cols = data_samples[0].grid_shape
        else:
            rows = cols = math.isqrt(num_patches)
        if rows * cols != num_patches:
            raise ValueError(
                f'CPCv2: {num_patches} patches per image do not form the grid '
                f'{rows}x{cols}: add grid_shape to PackInputs meta_keys')
        return rows, cols

    def encode_grid(self, patches: List[torch.Tensor], rows: int,
                    cols: int) -> torch.Tensor:
        """P tensors (B, 3, p, p) -> patch vectors (B, D, rows, cols)."""
        b = len(patches[0])
        x = torch.stack(patches, dim=1).flatten(0, 1)  # (B * P, 3, p, p)
        z = self.pooled(self.backbone(x)[-1])
        return z.view(b, rows, cols, -1).permute(0, 3, 1, 2)

    def loss(self, inputs: List[torch.Tensor], data_samples: list,
             **kwargs) -> dict:
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError('CPCv2 needs a grid of patches per sample: put '
                             'PatchGrid in the pipeline before PackInputs')
        rows, cols = self.grid_shape(len(inputs), data_samples)
        return self.head.loss(self.encode_grid(inputs, rows, cols))
