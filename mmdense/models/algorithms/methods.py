"""The encoder-only dense methods: a :class:`DenseContrastive` with the
paper's defaults.  The loss itself is in the head."""
from mmdense.registry import MODELS
from .dense_contrastive import DenseContrastive


@MODELS.register_module()
class DenseCL(DenseContrastive):
    """DenseCL (Wang et al., CVPR 2021) with a :class:`DenseCLHead`: a
    constant teacher momentum of 0.999, shuffle-BN, student weights
    transfer."""

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 teacher_momentum: float = 0.999,
                 momentum_schedule: str = 'constant',
                 shuffle_bn: bool = True,
                 transfer: str = 'student',
                 **kwargs) -> None:
        super().__init__(backbone, head, teacher_momentum, momentum_schedule,
                         shuffle_bn, transfer, **kwargs)


@MODELS.register_module()
class SlotCon(DenseContrastive):
    """SlotCon (Wen et al., NeurIPS 2022) with a :class:`SlotConHead`:
    teacher momentum cosine from 0.99 to 1, no shuffle-BN, the teacher
    transfers."""

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 teacher_momentum: float = 0.99,
                 momentum_schedule: str = 'cosine',
                 shuffle_bn: bool = False,
                 transfer: str = 'teacher',
                 **kwargs) -> None:
        super().__init__(backbone, head, teacher_momentum, momentum_schedule,
                         shuffle_bn, transfer, **kwargs)
