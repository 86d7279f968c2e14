# DeCon on DenseCL with the FPN decoder, synthetic data, CPU.
_base_ = ['../densecl/demo.py']
model = dict(
    type='DeCon',
    backbone=dict(out_indices=(0, 1, 2, 3)),
    decoder=dict(
        type='mmdet.FPN',
        in_channels=[64, 128, 256, 512],
        out_channels=64,
        num_outs=4,
        norm_cfg=dict(type='BN', requires_grad=True)),
    decoder_key='neck',
    encoder_loss_weight=0.5,
    levels='single')
# single-level: the FPN's P3-P5 output convs get no loss (they transfer at
# their initialisation, as in the authors' code)
find_unused_parameters = True
