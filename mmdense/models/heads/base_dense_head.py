"""The contract between :class:`~mmdense.models.algorithms.DenseContrastive`
(and :class:`~mmdense.models.algorithms.DeCon`, which runs one head per
decoder level) and the head that holds a student / EMA-teacher method."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule


class BaseDenseHead(BaseModule):
    """A student / EMA-teacher method at one feature level.

    The algorithm encodes the views, advances every teacher once per
    iteration and calls :meth:`loss` with the features of one level; the
    head owns everything else of its method: projectors and their teacher
    copies, queues, centers, prototypes, and the loss itself.

    A subclass sets:

    * ``student_views`` / ``teacher_views``: the indices of the views the
      student / the teacher encode (DenseCL and MoCo: ``(0,)`` / ``(1,)``,
      one direction; SlotCon: both views each, both directions); an empty
      ``teacher_views`` means a method without a teacher: the algorithm
      builds no EMA copy and ``loss`` gets an empty ``teacher`` dict;
    * ``min_feature_size``: the smallest feature map side the loss accepts
      (2 for a dense loss; the algorithm raises a clear error before the
      loss sees a smaller map);

    and implements :meth:`loss`; a head with teacher modules implements
    :meth:`teacher_pairs` (and :meth:`ema_pairs` where a teacher module does
    not follow its student, e.g. frozen prototypes).
    """
    student_views: Tuple[int, ...] = (0, 1)
    teacher_views: Tuple[int, ...] = (0, 1)
    min_feature_size: int = 1

    def teacher_pairs(self) -> List[Tuple[nn.Module, nn.Module]]:
        """``[(teacher module, student module), ...]`` of this head: each
        teacher starts as an exact copy of its student (the algorithm's
        ``init_weights``)."""
        return []

    def ema_pairs(self) -> List[Tuple[nn.Module, nn.Module]]:
        """The pairs whose teacher follows its student by EMA in every
        iteration; all of :meth:`teacher_pairs` by default."""
        return self.teacher_pairs()

    def loss(self, student: Dict[int, torch.Tensor],
             teacher: Dict[int, torch.Tensor], geometry: Optional[dict],
             step: int) -> Dict[str, torch.Tensor]:
        """The method's losses at this level.

        Args:
            student: view index -> ``(N, C, H, W)`` student features, for
                the ``student_views``.
            teacher: view index -> teacher features (computed without
                gradient), for the ``teacher_views``.
            geometry: :func:`mmdense.structures.views_geometry` of the batch
                (crop boxes, flips, view sizes), or None when the pipeline
                recorded none.
            step: the iteration (0-based), e.g. for a warm-up.

        Returns:
            ``dict`` of named loss tensors (``loss_*``), summed by mmengine.
        """
        raise NotImplementedError
