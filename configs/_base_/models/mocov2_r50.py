# MoCo v2 (Chen et al., 2020), ResNet-50: MLP head 2048-2048-128, t 0.2,
# queue 65536 (mmdense's ContrastQueue, shared with DenseCL), teacher
# momentum 0.999 (papers' convention), shuffle-BN.
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
            with_avg_pool=True),
        out_channels=128,
        queue_len=65536,
        temperature=0.2),
    teacher_momentum=0.999,
    momentum_schedule='constant',
    shuffle_bn=True,
    transfer='student')
