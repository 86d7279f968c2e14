import torch
import torch.nn.functional as F

from mmdense.registry import MODELS
from ..losses import info_nce
from ..memories import ContrastQueue
from ..utils.teacher import make_teacher
from .base_dense_head import BaseDenseHead


@MODELS.register_module()
class MoCoHead(BaseDenseHead):
    """MoCo's contrast of pooled embeddings with a queue of keys.

    View 0 gives the query (student), view 1 the key (EMA teacher), one
    direction, as in the official code.  ``projector`` is an mmpretrain neck
    on the C5 map: ``LinearNeck`` (avgpool -> fc 128, MoCo v1) or
    ``MoCoV2Neck`` (avgpool -> fc -> ReLU -> fc 128, MoCo v2); its EMA copy
    gives the keys.  ``loss = info_nce(q, k, queue, t)``; then the keys of
    all processes enter the queue (:class:`ContrastQueue`, shared with
    DenseCL).

    Args:
        projector (dict): the neck config.
        out_channels (int): embedding size. Defaults to 128.
        queue_len (int): queue length. Defaults to 65536.
        temperature (float): 0.07 (v1) or 0.2 (v2). Defaults to 0.2.
    """
    student_views = (0, )
    teacher_views = (1, )

    def __init__(self,
                 projector: dict,
                 out_channels: int = 128,
                 queue_len: int = 65536,
                 temperature: float = 0.2,
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.projector = MODELS.build(projector)
        self.teacher_projector = make_teacher(self.projector)
        self.queue = ContrastQueue(queue_len, out_channels)
        self.temperature = temperature

    def teacher_pairs(self):
        return [(self.teacher_projector, self.projector)]

    def loss(self, student, teacher, geometry=None, step=0) -> dict:
        q = F.normalize(self.projector((student[0], ))[0], dim=1)
        with torch.no_grad():
            k = F.normalize(self.teacher_projector((teacher[1], ))[0], dim=1)
        # the queue is updated in place below, before backward: use a copy
        loss = info_nce(q, k, self.queue.keys.clone(), self.temperature)
        self.queue.enqueue(k)
        return dict(loss=loss)
