# MoCo v2 (Chen et al., 2020), ResNet-50: MLP head 2048-2048-128.  The
# paper's values are the defaults of MoCo (teacher momentum 0.999 constant,
# shuffle-BN, the student transfers) and of MoCoHead (128-d keys, queue
# 65536 in mmdense's ContrastQueue shared with DenseCL, t 0.2): stated once
# there, not repeated here.
_base_ = ['./resnet50.py']
model = dict(
    type='MoCo',
    backbone=_base_.resnet50,
    head=dict(
        type='MoCoHead',
        projector=dict(
            type='MoCoV2Neck',
            in_channels=2048,
            hid_channels=2048,
            out_channels=128,
            with_avg_pool=True)))
