# DeCon (SlotCon + FCN decoder, 64 channels, dilation 6) on the synthetic
# COCO+ for CPU; its decoder transfers into the synthetic FCN-D6 benchmark.
_base_ = './demo.py'
model = dict(
    backbone=dict(out_indices=(3, )),
    decoder=dict(
        _delete_=True,
        type='FCNDecoder',
        in_channels=512,
        channels=64,
        dilation=6,
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decoder_key='decode_head',
    decoder_init='pytorch')
find_unused_parameters = False
