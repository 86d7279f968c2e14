"""MoCo v1 / v2 on mmdense's student / EMA-teacher base and queue."""
from mmdense.registry import MODELS
from ..heads.moco_head import MoCoHead  # noqa: F401 (registers it)
from .dense_contrastive import DenseContrastive
from .methods import DenseCL


@MODELS.register_module()
class MoCo(DenseContrastive):
    """MoCo v1 (He et al., CVPR 2020) and v2 (Chen et al., arXiv 2003.04297)
    with a :class:`MoCoHead`: DenseCL's settings (DenseCL is MoCo v2 plus a
    dense head): constant teacher momentum 0.999, shuffle-BN, the student
    (query) encoder transfers.

    Replaces mmpretrain's ``MoCo`` in the ``mmdense`` scope so that MoCo and
    DenseCL share one queue class (:class:`ContrastQueue`: gathered enqueue,
    a clear error when the length is not a multiple of the global batch);
    mmpretrain's class stays reachable as ``mmpretrain.MoCo``.  v1 and v2
    differ only in their configs: head (linear / MLP), temperature
    (0.07 / 0.2), blur, lr schedule (steps / cosine).
    """
    # torchvision's ResNet init (fan_out), not OpenSelfSup's
    defaults = dict(DenseCL.defaults, backbone_conv_init='toolbox')
