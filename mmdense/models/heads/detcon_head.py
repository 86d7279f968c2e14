"""DetCon-B's mask pooling, projector, predictor and loss as a dense
head."""
import torch
import torch.nn as nn

from mmdense.registry import MODELS
from mmdense.structures import majority_cells, pool_masks
from ..losses import detcon_contrast
from ..utils.init import haiku_init_
from ..utils.mlp import bn_mlp
from ..utils.teacher import make_teacher
from .base_dense_head import BaseDenseHead


def byol_mlp(in_dim: int, hidden: int, out_dim: int) -> nn.Sequential:
    """DetCon's (BYOL's) ``MLP``: Linear with bias, BN, ReLU, Linear without
    bias (:func:`bn_mlp`), Haiku-initialised."""
    return haiku_init_(bn_mlp(in_dim, (hidden, out_dim)))


@MODELS.register_module()
class DetConHead(BaseDenseHead):
    """DetCon-B at one feature level (Hénaff et al., "Efficient Visual
    Pretraining with Contrastive Detection", ICCV 2021; ``detcon_b.py``).

    Each view's FH mask (``geometry['masks']``, carried through its crop and
    flip by :class:`~mmdense.datasets.ViewMasks`) is reduced to the feature
    grid by majority per cell (:func:`mmdense.structures.majority_cells`);
    ``num_masks`` (16) ids are drawn per image and view, uniformly with
    replacement among the ids that own a cell, the same ids for the online
    and the target network.  The features of each mask are averaged
    (:func:`~mmdense.structures.pool_masks`), projected (MLP in -> 4096 ->
    256; target: its EMA copy) and, online, predicted (256 -> 4096 -> 256);
    the loss is :func:`~mmdense.models.losses.detcon_contrast` at
    temperature 0.1, both directions summed.

    Args:
        in_channels (int): input channels (2048 for C5).
        hid_channels (int): MLP width. Defaults to 4096.
        out_channels (int): projection size. Defaults to 256.
        num_masks (int): masks drawn per image and view. Defaults to 16.
        temperature (float): Defaults to 0.1.
        num_ids (int): mask ids 0..num_ids-1 (uint8 masks: 256).
    """
    student_views = (0, 1)
    teacher_views = (0, 1)

    def __init__(self,
                 in_channels: int,
                 hid_channels: int = 4096,
                 out_channels: int = 256,
                 num_masks: int = 16,
                 temperature: float = 0.1,
                 num_ids: int = 256,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.projector = byol_mlp(in_channels, hid_channels, out_channels)
        self.predictor = byol_mlp(out_channels, hid_channels, out_channels)
        self.teacher_projector = make_teacher(self.projector)
        self.num_masks = num_masks
        self.temperature = temperature
        self.num_ids = num_ids

    def teacher_pairs(self):
        return [(self.teacher_projector, self.projector)]

    def sample_ids(self, cells: torch.Tensor) -> torch.Tensor:
        """``(N, num_masks)`` ids drawn uniformly with replacement among
        those that own a cell of ``cells`` (``(N, num_ids, h * w)``)."""
        present = (cells.sum(dim=-1) > 0).float()
        return torch.multinomial(present, self.num_masks, replacement=True)

    def _project(self, projector, pooled):
        n, m, c = pooled.shape
        return projector(pooled.reshape(n * m, c)).view(n, m, -1)

    def loss(self, student: dict, teacher: dict, geometry, step: int = 0):
        if geometry is None or 'masks' not in geometry:
            raise ValueError(
                "DetConHead needs each view's FH mask: load it with "
                'LoadFHMask, add ViewMasks after MultiViewWithGeometry and '
                "keep 'view_masks' in PackInputs' meta_keys "
                '(configs/_base_/datasets/coco_detcon.py).')
        preds, targets, ids = [], [], []
        for v in (0, 1):
            cells = majority_cells(geometry['masks'][v],
                                   tuple(student[v].shape[-2:]), self.num_ids)
            ids.append(self.sample_ids(cells))
            pooled = pool_masks(student[v], cells, ids[v])
            preds.append(
                self._project(self.predictor,
                              self._project(self.projector, pooled)))
            with torch.no_grad():
                targets.append(
                    self._project(self.teacher_projector,
                                  pool_masks(teacher[v], cells, ids[v])))
        return dict(
            loss_detcon=detcon_contrast(*preds, *targets, *ids,
                                        self.temperature))
