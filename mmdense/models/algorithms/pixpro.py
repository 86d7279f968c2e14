"""PixPro as a :class:`DenseContrastive`."""
from mmdense.registry import MODELS
from .dense_contrastive import DenseContrastive


@MODELS.register_module()
class PixPro(DenseContrastive):
    """PixPro (Xie et al., CVPR 2021) with a :class:`PixProHead`: teacher
    momentum cosine from 0.99 to 1 over training (``_momentum_update_key_
    encoder``, once per iteration before the teacher's forward), no
    shuffle-BN, the student's encoder transfers (``convert_pretrain_to_
    d2.py`` keeps ``module.encoder.*``), the toolbox's ResNet init
    (Kaiming-normal fan_out, as PixPro's ``contrast/resnet.py``).  These are
    the paper's values; the configs do not repeat them."""
    defaults = dict(
        teacher_momentum=0.99,
        momentum_schedule='cosine',
        shuffle_bn=False,
        transfer='student',
        backbone_conv_init='toolbox')
