"""MoCo v1 / v2 on mmdense's student / EMA-teacher base and queue."""
from mmdense.registry import MODELS
from ..heads.moco_head import MoCoHead  # noqa: F401 (registers it)
from .dense_contrastive import DenseContrastive


@MODELS.register_module()
class MoCo(DenseContrastive):
    """MoCo v1 (He et al., CVPR 2020) and v2 (Chen et al., arXiv 2003.04297)
    with a :class:`MoCoHead`: constant teacher momentum 0.999, shuffle-BN,
    the student (query) encoder transfers (the paper's values; the configs
    do not repeat them).

    Replaces mmpretrain's ``MoCo`` in the ``mmdense`` scope so that MoCo and
    DenseCL share one queue class (:class:`ContrastQueue`: gathered enqueue,
    a clear error when the length is not a multiple of the global batch);
    mmpretrain's class stays reachable as ``mmpretrain.MoCo``.  v1 and v2
    differ only in their configs: head (linear / MLP), temperature
    (0.07 / 0.2), blur, lr schedule (steps / cosine).
    """
    # torchvision's ResNet init (fan_out), as the official MoCo
    defaults = dict(
        teacher_momentum=0.999,
        momentum_schedule='constant',
        shuffle_bn=True,
        transfer='student',
        backbone_conv_init='toolbox')
