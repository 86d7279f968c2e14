"""SlotCon as a :class:`DenseContrastive`."""
from mmdense.registry import MODELS
from .dense_contrastive import DenseContrastive


@MODELS.register_module()
class SlotCon(DenseContrastive):
    """SlotCon (Wen et al., NeurIPS 2022) with a :class:`SlotConHead`:
    teacher momentum cosine from 0.99 to 1 over training, no shuffle-BN,
    the teacher transfers, the toolbox's ResNet init (torchvision's, as
    SlotCon's).  These are the paper's values; the configs do not repeat
    them."""
    defaults = dict(
        teacher_momentum=0.99,
        momentum_schedule='cosine',
        shuffle_bn=False,
        transfer='teacher',
        backbone_conv_init='toolbox')
