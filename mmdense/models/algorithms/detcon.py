"""DetCon-B as a :class:`DenseContrastive`."""
from mmdense.registry import MODELS
from .dense_contrastive import DenseContrastive


@MODELS.register_module()
class DetCon(DenseContrastive):
    """DetCon-B (Hénaff et al., ICCV 2021) with a :class:`DetConHead`:
    target momentum cosine from 0.996 to 1 over training
    (``utils/schedules.py`` ``target_ema``), no shuffle-BN, the online
    network transfers (the code evaluates the online parameters), Haiku's
    conv init (truncated normal, std 1 / sqrt(fan_in)).  These are the
    paper's values; the configs do not repeat them."""
    defaults = dict(
        teacher_momentum=0.996,
        momentum_schedule='cosine',
        shuffle_bn=False,
        transfer='student',
        backbone_conv_init='haiku')
