# The pre-training encoder: a plain-stem ResNet-50 (mmpretrain's), C5 out.
resnet50 = dict(
    type='ResNet',
    depth=50,
    out_indices=(3, ),
    norm_cfg=dict(type='BN'),
    zero_init_residual=False)
