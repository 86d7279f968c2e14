"""PixPro's pixel propagation, projector and losses as a dense head."""
from collections import OrderedDict
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmdense.registry import MODELS
from mmdense.structures import distance_positives, pixpro_coords
from ..losses import negative_cosine, pixel_consistency
from ..utils.teacher import make_teacher
from .base_dense_head import BaseDenseHead


def mlp2d(in_dim: int, hidden: int, out_dim: int) -> nn.Sequential:
    """PixPro's ``MLP2d``: 1x1 conv (with bias), BN, ReLU, 1x1 conv (with
    bias), PyTorch's default init (the official ResNet init loop covers the
    encoder only)."""
    return nn.Sequential(
        OrderedDict(
            linear1=nn.Conv2d(in_dim, hidden, 1),
            bn1=nn.BatchNorm2d(hidden),
            relu1=nn.ReLU(inplace=True),
            linear2=nn.Conv2d(hidden, out_dim, 1)))


class PixelPropagation(nn.Module):
    """PixPro's pixel propagation module (``PixPro.featprop``).

    ``y_i = sum_j s(x_i, x_j)^gamma * g(x_j) / ||g(x_j)||`` with
    ``s = max(cos, clamp_value)``, ``g`` the value transform: the identity
    (``transform_layers=0``), one 1x1 conv with bias (1, the released
    scripts) or ``MLP2d(C, C, C)`` (2).  The values are L2-normalised
    before they are propagated; the caller normalises the result.
    """

    def __init__(self,
                 channels: int,
                 gamma: float = 2.,
                 transform_layers: int = 1,
                 clamp_value: float = 0.) -> None:
        super().__init__()
        if transform_layers == 0:
            self.value_transform = nn.Identity()
        elif transform_layers == 1:
            self.value_transform = nn.Conv2d(channels, channels, 1)
        elif transform_layers == 2:
            self.value_transform = mlp2d(channels, channels, channels)
        else:
            raise ValueError('PixelPropagation: transform_layers must be 0, '
                             f'1 or 2 (official choices), got '
                             f'{transform_layers}')
        self.gamma = gamma
        self.clamp_value = clamp_value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        value = F.normalize(self.value_transform(x), dim=1).view(n, c, -1)
        x = F.normalize(x, dim=1).view(n, c, -1)
        sim = torch.bmm(x.transpose(1, 2), x).clamp(min=self.clamp_value)
        if self.gamma < 1:
            sim = sim + 1e-6
        sim = sim**self.gamma
        return torch.bmm(value, sim.transpose(1, 2)).view(n, c, h, w)


@MODELS.register_module()
class PixProHead(BaseDenseHead):
    """PixPro at one feature level (Xie et al., "Propagate Yourself:
    Exploring Pixel-Level Consistency for Unsupervised Visual Representation
    Learning", CVPR 2021; ``contrast/models/PixPro.py``).

    Student and teacher each have a projector (``MLP2d``: 1x1 conv 2048 ->
    4096, BN, ReLU, 1x1 conv -> 256); the student's projection goes through
    the pixel propagation module (:class:`PixelPropagation`, gamma 2, one
    transform conv) and is L2-normalised; the teacher's projection is
    L2-normalised.  Positive pixel pairs are those whose centers lie within
    ``pos_ratio`` (0.7) of the larger cell diagonal in the source image
    (:func:`mmdense.structures.distance_positives`, flips included).  The
    loss is :func:`~mmdense.models.losses.pixel_consistency` of propagated
    view 0 against teacher view 1 plus the same with the views swapped.

    The optional instance branch (``instance_loss_weight > 0``; 0 in the
    released scripts) is BYOL's: an instance projector (and its EMA
    teacher) and a predictor, both ``MLP2d`` 2048 -> 4096 -> 256 / 256 ->
    4096 -> 256 per pixel, then ``AvgPool2d(instance_pool, stride=1)`` (7:
    a 224-px crop's C5 is 7x7) flattened and L2-normalised; loss
    :func:`~mmdense.models.losses.negative_cosine`, both directions,
    times the weight.

    The teacher projectors follow their students by EMA (the algorithm's
    momentum); the value transform and the predictor have no teacher.

    Args:
        in_channels (int): input channels (2048 for C5, 256 for an FPN
            level).
        hid_channels (int): projector / predictor width. Defaults to 4096.
        out_channels (int): projection dimension. Defaults to 256.
        gamma (float): the similarity exponent (``--pixpro-p``). Defaults to
            2 (the released scripts; ``option.py``'s default is 1).
        transform_layers (int): the value transform (``--pixpro-transform-
            layer``): 0, 1 or 2. Defaults to 1 (the released scripts;
            ``option.py``'s default is 0).
        pos_ratio (float): the positive distance threshold. Defaults to 0.7.
        clamp_value (float): lower clamp of the similarity. Defaults to 0.
        instance_loss_weight (float): weight of the instance branch.
            Defaults to 0 (the released scripts; no branch is built).
        instance_pool (int, optional): the instance branch's
            ``AvgPool2d`` kernel (stride 1); ``None`` averages the whole map.
            Defaults to 7.
        dense_grid (int, optional): average-pool the input map to
            ``dense_grid x dense_grid`` before the projectors, e.g. for
            DeCon's P2 (the pairwise tensors grow with the square of the
            locations). Defaults to None (every location, as PixPro on C5).
    """
    student_views = (0, 1)
    teacher_views = (0, 1)
    # dense: at least 2x2 locations (C5 of crops > 32 px)
    min_feature_size = 2

    def __init__(self,
                 in_channels: int,
                 hid_channels: int = 4096,
                 out_channels: int = 256,
                 gamma: float = 2.,
                 transform_layers: int = 1,
                 pos_ratio: float = 0.7,
                 clamp_value: float = 0.,
                 instance_loss_weight: float = 0.,
                 instance_pool: Optional[int] = 7,
                 dense_grid: Optional[int] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.projector = mlp2d(in_channels, hid_channels, out_channels)
        self.teacher_projector = make_teacher(self.projector)
        self.propagation = PixelPropagation(out_channels, gamma,
                                            transform_layers, clamp_value)
        self.pos_ratio = pos_ratio
        self.instance_loss_weight = instance_loss_weight
        self.instance_pool = instance_pool
        self.dense_grid = dense_grid
        if instance_loss_weight > 0:
            self.instance_projector = mlp2d(in_channels, hid_channels,
                                            out_channels)
            self.teacher_instance_projector = make_teacher(
                self.instance_projector)
            self.predictor = mlp2d(out_channels, hid_channels, out_channels)

    def teacher_pairs(self):
        pairs = [(self.teacher_projector, self.projector)]
        if self.instance_loss_weight > 0:
            pairs.append(
                (self.teacher_instance_projector, self.instance_projector))
        return pairs

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        """The instance branch's pooled, L2-normalised (N, D) vectors."""
        if self.instance_pool is None:
            x = x.mean(dim=(2, 3))
        else:
            x = F.avg_pool2d(x, self.instance_pool, stride=1).flatten(1)
        return F.normalize(x, dim=1)

    def loss(self,
             student: dict,
             teacher: dict,
             geometry: Optional[dict],
             step: int = 0) -> dict:
        if geometry is None or 'image_sizes' not in geometry:
            raise ValueError(
                "PixProHead needs the views' crop boxes, flips and source "
                'image sizes: build the views with MultiViewWithGeometry and '
                "keep 'ori_shape' and the view_* keys in PackInputs' "
                'meta_keys (configs/_base_/datasets/coco_pixpro.py).')
        if self.dense_grid is not None:
            student = {
                v: F.adaptive_avg_pool2d(x, self.dense_grid)
                for v, x in student.items()
            }
            teacher = {
                v: F.adaptive_avg_pool2d(x, self.dense_grid)
                for v, x in teacher.items()
            }
        pred = {
            v:
            F.normalize(self.propagation(self.projector(student[v])),
                        dim=1).flatten(2)
            for v in (0, 1)
        }
        with torch.no_grad():
            key = {
                v:
                F.normalize(self.teacher_projector(teacher[v]),
                            dim=1).flatten(2)
                for v in (0, 1)
            }
        coords = [
            pixpro_coords(geometry['boxes'][v], geometry['flips'][v],
                          geometry['image_sizes']) for v in (0, 1)
        ]
        grid = tuple(student[0].shape[-2:])
        loss = 0.
        for a, b in ((0, 1), (1, 0)):
            positives = distance_positives(coords[a], coords[b], grid,
                                           self.pos_ratio)
            loss = loss + pixel_consistency(pred[a], key[b], positives)
        losses = dict(loss_pixpro=loss)
        if self.instance_loss_weight > 0:
            inst = {
                v: self._pool(
                    self.predictor(self.instance_projector(student[v])))
                for v in (0, 1)
            }
            with torch.no_grad():
                inst_key = {
                    v: self._pool(self.teacher_instance_projector(teacher[v]))
                    for v in (0, 1)
                }
            losses['loss_instance'] = self.instance_loss_weight * (
                negative_cosine(inst[0], inst_key[1]) +
                negative_cosine(inst[1], inst_key[0]))
        return losses
