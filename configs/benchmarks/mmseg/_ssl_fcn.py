# Shared by the FCN benchmark configs (their `model` merges `ssl_fcn_model`):
# a plain ResNet stem (type='ResNet', not mmseg's ResNetV1c deep stem, so an
# SSL checkpoint loads the whole stem), no downloaded weights, and the loud
# pre-trained loader. `pretrained`: the exporter's output (None: random
# init); `load_decoder`: 'auto' loads a DeCon FCN decoder into
# `decode_head.convs.*` (never the classifier), False compares encoder-only
# transfer.
pretrained = None
load_decoder = 'auto'
custom_hooks = [
    dict(
        type='mmdense.engine.LoadPretrainedHook',
        groups=['backbone'],
        decoder_groups=['decode_head.convs'])
]
ssl_fcn_model = dict(pretrained=None, backbone=dict(type='ResNet'))
# SlotCon's and DeCon's FCN-D6 (not mmseg's fcn_r50-d8 base; CVMI-Lab/SlotCon
# transfer/segmentation/configs/{voc12aug,cityscapes}/fcn_d6_r50-d16_*_moco.py,
# the same files in the DeCon authors' copy): output stride 16 (ResNet
# dilations (1, 1, 1, 2), strides (1, 2, 2, 1)), a head of two 3x3 convs of
# 256 channels with dilation 6, no concat of the input, no dropout,
# align_corners=True, no auxiliary head. A DeCon FCN decoder
# (configs/decon/coco_fcn.py) is exactly its `decode_head.convs`.
# Their *_moco dataset files normalise with mean (0.485, 0.456, 0.406) and
# std (0.229, 0.224, 0.225) applied to 0-255 RGB pixels (mmseg 0.x Normalize
# on the raw image): odd, but it is the published protocol, so it is kept.
fcn_d6_model = dict(
    pretrained=None,
    data_preprocessor=dict(
        mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225],
        bgr_to_rgb=True),
    backbone=dict(type='ResNet', dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1)),
    decode_head=dict(
        channels=256,
        num_convs=2,
        dilation=6,
        concat_input=False,
        dropout_ratio=0.,
        align_corners=True),
    auxiliary_head=None)
# DenseCL's poly schedule (mmcv's PolyLrUpdaterHook, power 0.9, min lr 1e-4)
# as an mmengine PolyLR: mmengine divides by (end - 1) where mmcv divided by
# max_iters, so the children set end = max_iters + 1 (then equal at every
# iteration)
mmcv_poly = dict(
    type='PolyLR', eta_min=1e-4, power=0.9, begin=0, by_epoch=False)
