from mmseg.models.decode_heads import FCNHead

from mmdense.registry import MODELS


@MODELS.register_module()
class FCNDecoder(FCNHead):
    """mmseg's ``FCNHead`` up to its features, without the classifier.

    DeCon's segmentation decoder is exactly the ``convs`` of the FCN head
    that fine-tuning uses (two 3x3 conv-BN-ReLU on C5; 256 channels with
    dilation 6 for VOC / Cityscapes, 512 with dilation 1 for ADE20K), so its
    weights load into mmseg's ``decode_head.convs.*`` with no renaming.  The
    classifier (``conv_seg``) is removed, so it cannot be exported by
    accident.  ``forward`` returns the feature map after the convs.
    """

    def __init__(self,
                 in_channels=2048,
                 channels=256,
                 num_convs=2,
                 kernel_size=3,
                 dilation=6,
                 in_index=-1,
                 **kwargs):
        kwargs.setdefault('norm_cfg', dict(type='BN', requires_grad=True))
        super().__init__(
            in_channels=in_channels,
            channels=channels,
            num_convs=num_convs,
            kernel_size=kernel_size,
            dilation=dilation,
            in_index=in_index,
            concat_input=False,
            dropout_ratio=0.,
            num_classes=1,  # a classifier is built by the parent, then removed
            init_cfg=None,
            **kwargs)
        del self.conv_seg

    @property
    def out_channels_list(self):
        return [self.channels]

    def forward(self, inputs):
        return (self._forward_feature(inputs), )
