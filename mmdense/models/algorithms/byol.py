"""BYOL: mmpretrain's class, with the target network started as a copy."""
import torch.nn as nn
from mmpretrain.models.selfsup import BYOL as _BYOL

from mmdense.registry import MODELS
from ..utils.teacher import copy_to_teachers_


@MODELS.register_module()
class BYOL(_BYOL):
    """mmpretrain's ``BYOL`` (Grill et al., NeurIPS 2020), unchanged but for
    its start: after ``init_weights`` the target network (mmengine's
    ``CosineEMA`` copy of backbone + projector) equals the online one, as
    every EMA teacher of mmdense.  mmpretrain's target is deep-copied at
    construction and then re-initialised on its own by ``init_weights``; its
    first EMA update (``steps == 0``) copies the online parameters anyway.
    The official code draws the target from another rng
    (``byol_experiment.py``), noting no significant difference with the
    same one (docs/fidelity.md).  mmpretrain's class stays reachable as
    ``mmpretrain.BYOL``."""

    def init_weights(self) -> None:
        super().init_weights()
        copy_to_teachers_([(self.target_net.module,
                            nn.Sequential(self.backbone, self.neck))])
