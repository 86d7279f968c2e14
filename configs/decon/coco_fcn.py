# DeCon with the FCN decoder for VOC / Cityscapes segmentation: the `convs` of
# mmseg's FCNHead (two 3x3 conv-BN-ReLU, 256 channels, dilation 6) on C5,
# saved as `decode_head.convs.*`.
_base_ = './coco.py'
model = dict(
    backbone=dict(out_indices=(3, )),
    decoder=dict(
        _delete_=True,
        type='FCNDecoder',
        in_channels=2048,
        channels=256,
        dilation=6,
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decoder_key='decode_head',
    # the authors' FCN decoder is plain nn.Conv2d (PyTorch's default init)
    decoder_init='pytorch')
