from typing import Optional

import torch
import torch.nn.functional as F

from mmdense.registry import MODELS
from ..losses import info_nce
from ..memories import ContrastQueue
from ..utils.teacher import make_teacher
from .base_dense_head import BaseDenseHead


def dense_correspondence(q_feat: torch.Tensor,
                         k_feat: torch.Tensor) -> torch.Tensor:
    """DenseCL's matching: for each query location the index of the most
    similar key location, by cosine similarity of (N, C, S) feature maps.
    Returns (N, S_q) long; one batched matmul, no gradient."""
    with torch.no_grad():
        sim = torch.bmm(
            F.normalize(q_feat, dim=1).transpose(1, 2),
            F.normalize(k_feat, dim=1))
        return sim.argmax(dim=2)


@MODELS.register_module()
class DenseCLHead(BaseDenseHead):
    """DenseCL's global + dense contrast at one feature level.

    Wang et al., "Dense Contrastive Learning for Self-Supervised Visual
    Pre-Training", CVPR 2021.  View 0 gives queries (student), view 1 keys
    (teacher), one direction, as in the official code.

    * projector: mmpretrain's ``DenseCLNeck`` (global fc-relu-fc on the
      pooled map, dense conv1x1-relu-conv1x1 on every location) and its EMA
      teacher copy; its Linear layers are Kaiming-normal (fan-in, ReLU, bias
      0) and its convs PyTorch's default, as the official
      ``init_weights(init_linear='kaiming')``;
    * global loss: InfoNCE of the pooled query against its key and a queue
      of keys;
    * dense loss: each query location's positive is the teacher's projected
      key at the location most similar in the *input* features (argmax of
      cosine similarity, no gradient); negatives are a second queue holding
      one pooled dense key per image;
    * ``loss = (1 - lambda) * L_global + lambda * L_dense``; optionally
      lambda 0 for the first ``dense_warmup_iters`` iterations (the official
      code has that warm-up hook but does not use it by default: off here
      too).

    Args:
        in_channels (int): channels of the input feature map (2048 for C5).
        hid_channels (int): projector width. Defaults to 2048.
        out_channels (int): embedding size. Defaults to 128.
        queue_len (int): length of each queue. Defaults to 65536.
        temperature (float): InfoNCE temperature. Defaults to 0.2.
        loss_lambda (float): dense weight. Defaults to 0.5.
        dense_warmup_iters (int): iterations with dense weight 0.
            Defaults to 0 (no warm-up, the official default).
        dense_grid (int, optional): average-pool the input map to
            ``dense_grid x dense_grid`` locations before the projector (both
            views), so the dense term's logits (locations x batch x queue)
            fit a GPU on a fine map such as DeCon's P2. ``None`` (default):
            every location, as DenseCL on C5.
    """
    student_views = (0, )
    teacher_views = (1, )
    # dense: at least 2x2 locations (C5 of crops > 32 px)
    min_feature_size = 2

    def __init__(self,
                 in_channels: int,
                 hid_channels: int = 2048,
                 out_channels: int = 128,
                 queue_len: int = 65536,
                 temperature: float = 0.2,
                 loss_lambda: float = 0.5,
                 dense_warmup_iters: int = 0,
                 dense_grid: Optional[int] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.projector = MODELS.build(
            dict(
                type='DenseCLNeck',
                in_channels=in_channels,
                hid_channels=hid_channels,
                out_channels=out_channels,
                init_cfg=dict(
                    type='Kaiming',
                    layer='Linear',
                    mode='fan_in',
                    nonlinearity='relu',
                    distribution='normal')))
        self.teacher_projector = make_teacher(self.projector)
        self.queue = ContrastQueue(queue_len, out_channels)
        self.dense_queue = ContrastQueue(queue_len, out_channels)
        self.temperature = temperature
        self.loss_lambda = loss_lambda
        self.dense_warmup_iters = dense_warmup_iters
        self.dense_grid = dense_grid

    def teacher_pairs(self):
        return [(self.teacher_projector, self.projector)]

    def loss(self, student, teacher, geometry=None, step=0) -> dict:
        q_in, k_in = student[0], teacher[1]
        if self.dense_grid is not None:
            q_in, k_in = (
                F.adaptive_avg_pool2d(x, self.dense_grid)
                for x in (q_in, k_in))
        q, q_dense, _ = self.projector([q_in])
        with torch.no_grad():
            k, k_dense, k_pooled = self.teacher_projector([k_in])
            k = F.normalize(k, dim=1)
            k_dense = F.normalize(k_dense, dim=1)
            k_pooled = F.normalize(k_pooled, dim=1)
            match = dense_correspondence(q_in.flatten(2), k_in.flatten(2))
            k_pos = k_dense.gather(
                2,
                match.unsqueeze(1).expand(-1, k_dense.shape[1], -1))
        q = F.normalize(q, dim=1)
        q_dense = F.normalize(q_dense, dim=1)
        # the queues are updated in place below, before backward: use copies
        loss_global = info_nce(q, k, self.queue.keys.clone(), self.temperature)
        dim = q_dense.shape[1]
        loss_dense = info_nce(
            q_dense.transpose(1, 2).reshape(-1, dim),
            k_pos.transpose(1, 2).reshape(-1, dim),
            self.dense_queue.keys.clone(), self.temperature)
        lam = self.loss_lambda if step >= self.dense_warmup_iters else 0.
        self.queue.enqueue(k)
        self.dense_queue.enqueue(k_pooled)
        return dict(
            loss_global=(1 - lam) * loss_global, loss_dense=lam * loss_dense)
