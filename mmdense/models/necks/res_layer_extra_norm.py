"""The C4 shared head of MoCo's detection protocol: res5, then one more norm.

MoCo's ``Res5ROIHeadsExtraNorm`` (facebookresearch/moco
detection/train_net.py:25-37; DenseCL's and SlotCon's train_net.py are the
same) appends a norm of ``MODEL.RESNETS.NORM`` after the res5 stage of the
ROI head, "as described in the MoCo paper".  Here it is mmdet's C4 shared
head (``roi_head.shared_head.layer4``, where the pre-trained
``backbone.layer4.*`` is loaded) followed by ``roi_head.shared_head.norm``,
which is new (not pre-trained) and starts as the identity (weight 1, bias 0,
running mean 0 and var 1, as detectron2's ``get_norm``).  From an mmdet
config: ``type='mmdense.models.necks.ResLayerExtraNorm'``.
"""
from mmcv.cnn import build_norm_layer
from mmdet.models.backbones import ResNet
from mmdet.models.roi_heads.shared_heads import ResLayer

from mmdense.registry import MODELS


@MODELS.register_module()
class ResLayerExtraNorm(ResLayer):
    """mmdet's ``ResLayer`` shared head + a ``norm_cfg`` norm on its output.

    Arguments are those of :class:`mmdet.models.roi_heads.ResLayer`; the
    extra norm takes ``norm_cfg`` and follows ``norm_eval`` as the res5
    norms do.
    """

    def __init__(self, depth, stage=3, **kwargs):
        super().__init__(depth, stage=stage, **kwargs)
        block = ResNet.arch_settings[depth][0]
        channels = 64 * 2**stage * block.expansion
        self.add_module('norm', build_norm_layer(self.norm_cfg, channels)[1])

    def forward(self, x):
        return self.norm(super().forward(x))
