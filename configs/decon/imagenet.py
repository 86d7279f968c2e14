# DeCon on ImageNet-1K: SlotCon's ImageNet recipe (K = 2048) + the FPN decoder.
_base_ = ['../slotcon/imagenet.py']
model = dict(
    type='DeCon',
    backbone=dict(out_indices=(0, 1, 2, 3)),
    decoder=dict(
        type='mmdet.FPN',
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        num_outs=4,
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decoder_key='neck',
    encoder_loss_weight=0.5,
    levels='single',
    channel_dropout=0.0)
# single-level: the FPN's P3-P5 output convs get no loss (they transfer at
# their initialisation, as in the authors' code)
find_unused_parameters = True
