from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_gather, all_reduce, get_rank, get_world_size

from mmdense.registry import MODELS
from mmdense.structures import align_to_overlap, overlap_coords
from ..losses import slot_info_nce, soft_cross_entropy
from ..utils.teacher import make_teacher
from .base_dense_head import BaseDenseHead


def mlp(in_dim: int, hidden: int, out_dim: int, num_layers: int,
        conv: bool) -> nn.Sequential:
    """SlotCon's MLP (``DINOHead`` / ``DINOHead2d``): (Linear | 1x1 conv, BN,
    GELU) x (num_layers - 1), then a last Linear / 1x1 conv, DINO-initialised
    (:func:`dino_init_`)."""
    layer = (lambda i, o: nn.Conv2d(i, o, 1)) if conv else nn.Linear
    norm = nn.BatchNorm2d if conv else nn.BatchNorm1d
    dims = [in_dim] + [hidden] * (num_layers - 1)
    layers = OrderedDict()
    for n, (i, o) in enumerate(zip(dims[:-1], dims[1:])):
        layers[f'fc{n}'] = layer(i, o)
        layers[f'bn{n}'] = norm(o)
        layers[f'act{n}'] = nn.GELU()
    layers[f'fc{num_layers - 1}'] = layer(dims[-1], out_dim)
    return dino_init_(nn.Sequential(layers))


@torch.no_grad()
def dino_init_(module: nn.Module) -> nn.Module:
    """DINO's head init, as SlotCon's ``DINOHead(2d)._init_weights``: every
    Linear / conv weight ``trunc_normal_(std=0.02)`` (truncated at +-2,
    i.e. +-100 std), biases 0; norm layers keep PyTorch's (1, 0)."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.trunc_normal_(m.weight, std=.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


class SemanticGrouping(nn.Module):
    """Learnable prototypes; pixels are softly assigned to them by cosine
    similarity / temp (softmax over prototypes, + eps), and each slot is the
    assignment-weighted mean of the pixel features.

    Returns slots (N, K, D) and the cosine scores (N, K, H, W)."""

    def __init__(self,
                 num_prototypes: int,
                 dim: int,
                 temp: float,
                 eps: float = 1e-6) -> None:
        super().__init__()
        self.prototypes = nn.Embedding(num_prototypes, dim)
        self.temp = temp
        self.eps = eps

    def forward(self, x: torch.Tensor):
        protos = F.normalize(self.prototypes.weight, dim=1)
        scores = torch.einsum('kd,ndhw->nkhw', protos.to(x.dtype),
                              F.normalize(x, dim=1))
        attn = (scores / self.temp).softmax(dim=1) + self.eps
        attn = attn / attn.sum(dim=(2, 3), keepdim=True)
        slots = torch.einsum('ndhw,nkhw->nkd', x, attn)
        return slots, scores


def slot_presence(scores: torch.Tensor) -> torch.Tensor:
    """(N, K) bool: the slots that own (are the argmax of) at least one
    pixel of the full, unaligned assignment map."""
    owner = scores.argmax(dim=1).flatten(1)  # N, HW
    present = torch.zeros(
        scores.shape[:2], dtype=torch.bool, device=scores.device)
    return present.scatter_(1, owner, True)


@MODELS.register_module()
class SlotConHead(BaseDenseHead):
    """SlotCon at one feature level (Wen et al., "Self-Supervised Visual
    Representation Learning with Semantic Grouping", NeurIPS 2022).

    Student and teacher each have a projector (1x1-conv MLP with BN + GELU,
    in -> 4096 -> 4096 -> 256) and prototypes (semantic grouping); the
    student has a slot predictor (MLP 256 -> 4096 -> 4096 -> 256, the
    official ``DINOHead`` with its default three layers).  Projector and
    predictor are DINO-initialised (trunc-normal std 0.02, zero biases).
    Both crop directions are summed:

    * grouping loss: cross-view distillation of the prototype assignments on
      the overlapping region (both views' maps resampled onto the overlap and
      un-flipped), student temperature 0.1, teacher 0.07 with a center
      (momentum 0.9) subtracted;
    * slot loss: InfoNCE between predicted student slots and the other view's
      teacher slots, temperature 0.2, times 2 * 0.2.  Queries are the slots
      present in both views' full assignment maps (the predictor runs on
      those only); keys/negatives are all teacher slots present anywhere in
      the (gathered) batch;
    * ``loss = group_loss_weight * L_group + (1 - w) * L_slot``.

    Args:
        in_channels (int): input channels (2048 for C5, 256 for an FPN level).
        num_prototypes (int): K; 256 for COCO, 2048 for ImageNet.
        hid_channels (int): MLP width. Defaults to 4096.
        out_channels (int): slot dimension. Defaults to 256.
        teacher_temp, student_temp (float): 0.07, 0.1.
        slot_temp (float): 0.2.
        center_momentum (float): 0.9.
        group_loss_weight (float): 0.5.
        ema_prototypes (bool): whether the teacher prototypes follow the
            student's by EMA (SlotCon: yes). DeCon sets it for its decoder
            heads (``decoder_prototypes``).
    """
    student_views = (0, 1)
    teacher_views = (0, 1)
    # dense: at least 2x2 locations (C5 of crops > 32 px)
    min_feature_size = 2

    def __init__(self,
                 in_channels: int,
                 num_prototypes: int = 256,
                 hid_channels: int = 4096,
                 out_channels: int = 256,
                 teacher_temp: float = 0.07,
                 student_temp: float = 0.1,
                 slot_temp: float = 0.2,
                 center_momentum: float = 0.9,
                 group_loss_weight: float = 0.5,
                 ema_prototypes: bool = True,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.projector = mlp(in_channels, hid_channels, out_channels, 3, True)
        # the student's slot pooling also uses the teacher temperature
        self.grouping = SemanticGrouping(num_prototypes, out_channels,
                                         teacher_temp)
        self.predictor = mlp(out_channels, hid_channels, out_channels, 3,
                             False)
        self.teacher_projector = make_teacher(self.projector)
        self.teacher_grouping = make_teacher(self.grouping)
        self.register_buffer('center', torch.zeros(1, num_prototypes))
        self.teacher_temp = teacher_temp
        self.student_temp = student_temp
        self.slot_temp = slot_temp
        self.center_momentum = center_momentum
        self.group_loss_weight = group_loss_weight
        self.ema_prototypes = ema_prototypes

    def teacher_pairs(self):
        return [(self.teacher_projector, self.projector),
                (self.teacher_grouping, self.grouping)]

    def ema_pairs(self):
        return self.teacher_pairs()[:None if self.ema_prototypes else 1]

    def group_loss(self, score_s, score_t, coords_s, coords_t, flips_s,
                   flips_t, valid) -> torch.Tensor:
        s = align_to_overlap(score_s, coords_s, flips_s)
        t = align_to_overlap(score_t, coords_t, flips_t)
        per_pixel = soft_cross_entropy(
            s.permute(0, 2, 3, 1), t.permute(0, 2, 3, 1), self.student_temp,
            self.teacher_temp, self.center)  # N, h, w
        weight = valid.to(per_pixel.dtype)[:, None, None].expand_as(per_pixel)
        return (per_pixel * weight).sum() / weight.sum().clamp(min=1)

    def slot_loss(self, slots_s, slots_t, score_s, score_t) -> torch.Tensor:
        present_s, present_t = slot_presence(score_s), slot_presence(score_t)
        query_idx = (present_s & present_t).flatten().nonzero().squeeze(1)
        keys = F.normalize(slots_t.flatten(0, 1), dim=1)
        present_all = present_t.flatten()
        if get_world_size() > 1:
            keys = torch.cat(all_gather(keys), dim=0)
            present_all = torch.cat(all_gather(present_all), dim=0)
        key_idx = present_all.nonzero().squeeze(1)
        if self.training and len(query_idx) < 2:
            # the predictor's BatchNorm needs two slots; with one (tiny
            # batches only) this term is skipped, keeping the graph
            return slots_s.sum() * 0.
        queries = F.normalize(
            self.predictor(slots_s.flatten(0, 1)[query_idx]), dim=1)
        # the positive of query slot i (of this process) is slot i of the
        # other view's teacher: its rank among the present gathered keys
        offset = get_rank() * present_t.numel()
        labels = present_all.long().cumsum(0)[query_idx + offset] - 1
        return slot_info_nce(queries, keys[key_idx], labels, self.slot_temp)

    @torch.no_grad()
    def update_center(self, scores: torch.Tensor) -> None:
        flat = scores.permute(0, 2, 3, 1).reshape(-1, scores.shape[1]).float()
        total = flat.sum(dim=0, keepdim=True)
        count = torch.tensor(float(len(flat)), device=flat.device)
        if get_world_size() > 1:
            all_reduce(total)
            all_reduce(count)
        self.center.mul_(self.center_momentum).add_(
            total / count, alpha=1 - self.center_momentum)

    def loss(self,
             student: dict,
             teacher: dict,
             geometry: dict,
             step: int = 0) -> dict:
        if geometry is None:
            raise ValueError(
                'SlotConHead needs the views\' crop boxes and flips: build '
                'the views with MultiViewWithGeometry in the data pipeline.')
        slots_s, scores_s = zip(*(self.grouping(self.projector(student[v]))
                                  for v in (0, 1)))
        with torch.no_grad():
            slots_t, scores_t = zip(
                *(self.teacher_grouping(self.teacher_projector(teacher[v]))
                  for v in (0, 1)))
        boxes, flips = geometry['boxes'], geometry['flips']
        coords = overlap_coords(boxes[0], boxes[1])
        valid = coords[2]
        loss_group = loss_slot = 0.
        for a, b in ((0, 1), (1, 0)):
            loss_group = loss_group + self.group_loss(
                scores_s[a], scores_t[b], coords[a], coords[b], flips[a],
                flips[b], valid)
            loss_slot = loss_slot + self.slot_loss(slots_s[a], slots_t[b],
                                                   scores_s[a], scores_t[b])
        self.update_center(torch.cat(scores_t))
        w = self.group_loss_weight
        return dict(loss_group=w * loss_group, loss_slot=(1 - w) * loss_slot)
