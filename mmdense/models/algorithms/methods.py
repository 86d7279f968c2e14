"""The encoder-only dense methods: a :class:`DenseContrastive` with the
paper's defaults.  The loss itself is in the head."""
from mmdense.registry import MODELS
from .dense_contrastive import DenseContrastive


@MODELS.register_module()
class DenseCL(DenseContrastive):
    """DenseCL (Wang et al., CVPR 2021) with a :class:`DenseCLHead`: a
    constant teacher momentum of 0.999, shuffle-BN, student weights
    transfer, OpenSelfSup's fan-in ResNet init."""
    defaults = dict(
        teacher_momentum=0.999,
        momentum_schedule='constant',
        shuffle_bn=True,
        transfer='student',
        backbone_conv_init='fan_in')


@MODELS.register_module()
class SlotCon(DenseContrastive):
    """SlotCon (Wen et al., NeurIPS 2022) with a :class:`SlotConHead`:
    teacher momentum cosine from 0.99 to 1, no shuffle-BN, the teacher
    transfers."""
