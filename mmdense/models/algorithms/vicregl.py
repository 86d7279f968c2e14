"""VICRegL as a :class:`DenseContrastive` without a teacher."""
from mmdense.registry import MODELS
from .dense_contrastive import DenseContrastive


@MODELS.register_module()
class VICRegL(DenseContrastive):
    """VICRegL (Bardes et al., NeurIPS 2022) with a :class:`VICRegLHead`: no
    teacher (the head's ``teacher_views`` is empty), the backbone transfers
    (the released ``resnet50_alpha*.pth`` are the backbone), the toolbox's
    ResNet init (Kaiming-normal fan_out, as VICRegL's ``resnet.py``).
    These are the paper's values; the configs do not repeat them."""
    defaults = dict(transfer='student', backbone_conv_init='toolbox')
