"""VICRegL's global and local VICReg losses as a dense head without a
teacher."""
from typing import Sequence

import torch
import torch.nn as nn

from mmdense.registry import MODELS
from mmdense.structures import cell_centers
from ..losses import nearest_matches, vicreg_global, vicreg_local
from ..utils.mlp import bn_mlp
from .base_dense_head import BaseDenseHead


def vicreg_mlp(in_dim: int, spec: str) -> nn.Sequential:
    """VICRegL's ``utils.MLP``: ``in-d1-...-dk`` (:func:`bn_mlp`)."""
    return bn_mlp(in_dim, [int(d) for d in spec.split('-')])


@MODELS.register_module()
class VICRegLHead(BaseDenseHead):
    """VICRegL at one feature level (Bardes, Ponce, LeCun, "VICRegL:
    Self-Supervised Learning of Local Visual Features", NeurIPS 2022;
    ``main_vicregl.py``), without a teacher.

    Global: the average-pooled map through ``projector`` (``mlp``,
    8192-8192-8192), :func:`~mmdense.models.losses.vicreg_global`.  Local:
    every cell through ``maps_projector`` (``maps_mlp``, 512-512-512), then
    for each view pair (i in (0, 1), j != i) two matchings, each in both
    directions, VICReg on the matched cells
    (:func:`~mmdense.models.losses.vicreg_local`), directions halved:

    * feature-based: each cell's nearest cell of the other view in the
      embedding space (L2), every cell kept (``l2_all_matches``);
    * location-based: each cell's nearest cell of the other view by the
      distance of their centers in the source image (from the recorded crop
      boxes), the ``num_matches`` (20 from view i, 4 back) closest kept.
      With ``flip_grid=False`` (the official ``--no-flip-grid 1`` default,
      which the released models used) the centers ignore the horizontal
      flip: a flipped view is matched to mirrored positions; ``True`` makes
      them flip-aware.

    The two matchings are added; the local terms are averaged over the view
    pairs.  ``loss = alpha * (inv + var + cov)_global + (1 - alpha) * (inv +
    var + cov)_local``.

    Args:
        in_channels (int): input channels (2048 for C5).
        mlp (str): global projector dims. Defaults to '8192-8192-8192'.
        maps_mlp (str): local projector dims. Defaults to '512-512-512'.
        alpha (float): global weight, 0.75 (default) or 0.9.
        inv_coeff, var_coeff, cov_coeff (float): 25, 25, 1.
        num_matches (Sequence[int]): location matches kept from the first
            view of a pair and back: (20, 4).
        flip_grid (bool): flip-aware location grids. Defaults to False.
    """
    student_views = (0, 1)
    teacher_views = ()  # no teacher
    min_feature_size = 2

    def __init__(self,
                 in_channels: int,
                 mlp: str = '8192-8192-8192',
                 maps_mlp: str = '512-512-512',
                 alpha: float = 0.75,
                 inv_coeff: float = 25.,
                 var_coeff: float = 25.,
                 cov_coeff: float = 1.,
                 num_matches: Sequence[int] = (20, 4),
                 flip_grid: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if not 0 <= alpha <= 1:
            raise ValueError(f'VICRegLHead: alpha={alpha} must be in [0, 1]')
        self.projector = vicreg_mlp(in_channels, mlp)
        self.maps_projector = vicreg_mlp(in_channels, maps_mlp)
        self.alpha = alpha
        self.coeffs = (inv_coeff, var_coeff, cov_coeff)
        self.num_matches = tuple(num_matches)
        self.flip_grid = flip_grid

    def locations(self, geometry: dict, v: int, grid) -> torch.Tensor:
        """``(N, H * W, 2)`` source-pixel centers of view v's cells (its
        flip ignored unless ``flip_grid``)."""
        flips = geometry['flips'][v]
        if not self.flip_grid:
            flips = torch.zeros_like(flips)
        return cell_centers(geometry['boxes'][v], flips, grid).flatten(1, 2)

    def _pair(self, maps_a, maps_b, loc_a, loc_b) -> torch.Tensor:
        """``_local_loss`` of one view pair: ``(inv, var, cov)``, each
        direction and matching halved, the two matchings added."""
        with torch.no_grad():  # a -> b; b -> a is their transpose
            by_feature = torch.cdist(maps_a, maps_b)
            by_location = torch.cdist(loc_a, loc_b)
        terms = 0.
        for x, y, back, k in ((maps_a, maps_b, False, self.num_matches[0]),
                              (maps_b, maps_a, True, self.num_matches[1])):
            for dist, num in ((by_feature, None), (by_location, k)):
                kept, matched = nearest_matches(
                    x, y,
                    dist.transpose(1, 2) if back else dist, num)
                terms = terms + torch.stack(
                    vicreg_local(kept, matched, *self.coeffs)) / 2
        return terms

    def loss(self, student: dict, teacher: dict, geometry, step: int = 0):
        if geometry is None:
            raise ValueError(
                "VICRegLHead needs the views' crop boxes: build the views "
                'with MultiViewWithGeometry (configs/_base_/datasets/'
                'coco_vicregl.py).')
        views = sorted(student)
        embeddings = [
            self.projector(student[v].mean(dim=(2, 3))) for v in views
        ]
        glob = torch.stack(vicreg_global(embeddings, *self.coeffs))
        maps, locs = [], []
        for v in views:
            x = student[v]
            n, c, h, w = x.shape
            cells = x.flatten(2).transpose(1, 2).reshape(n * h * w, c)
            maps.append(self.maps_projector(cells).view(n, h * w, -1))
            locs.append(self.locations(geometry, v, (h, w)))
        pairs = [(i, j) for i in range(2) for j in range(len(views)) if j != i]
        local = sum(
            self._pair(maps[i], maps[j], locs[i], locs[j])
            for i, j in pairs) / len(pairs)
        return dict(
            loss_global=self.alpha * glob.sum(),
            loss_local=(1 - self.alpha) * local.sum(),
            global_inv=glob[0].detach(),
            global_var=glob[1].detach(),
            global_cov=glob[2].detach(),
            local_inv=local[0].detach(),
            local_var=local[1].detach(),
            local_cov=local[2].detach())
