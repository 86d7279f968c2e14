"""DenseCL: MoCo v2 with a dense head, as a :class:`DenseContrastive`."""
from mmdense.registry import MODELS
from .dense_contrastive import DenseContrastive


@MODELS.register_module()
class DenseCL(DenseContrastive):
    """DenseCL (Wang et al., CVPR 2021) with a :class:`DenseCLHead`: a
    constant teacher momentum of 0.999 (the papers' convention, keeps
    99.9 %), shuffle-BN, student weights transfer, OpenSelfSup's ResNet init
    (``backbones/resnet.py`` ``init_weights``: convs Kaiming-normal fan_in,
    where mmpretrain's ResNet uses fan_out).  These are the paper's values;
    the configs do not repeat them."""
    defaults = dict(
        teacher_momentum=0.999,
        momentum_schedule='constant',
        shuffle_bn=True,
        transfer='student',
        backbone_conv_init='fan_in')
