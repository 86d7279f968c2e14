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
# SlotCon's and DeCon's FCN (not mmseg's fcn_r50-d8 base): output stride 16
# (ResNet dilations (1, 1, 1, 2), strides (1, 2, 2, 1)), a head of two 3x3
# convs of 256 channels with dilation 6, no concat of the input, no dropout,
# no auxiliary head. A DeCon FCN decoder (configs/decon/coco_fcn.py) is
# exactly its `decode_head.convs`.
fcn_d6_model = dict(
    pretrained=None,
    backbone=dict(type='ResNet', dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1)),
    decode_head=dict(
        channels=256,
        num_convs=2,
        dilation=6,
        concat_input=False,
        dropout_ratio=0.),
    auxiliary_head=None)
