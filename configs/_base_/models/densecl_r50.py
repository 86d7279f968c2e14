# DenseCL (Wang et al., CVPR 2021), ResNet-50; facts in DESIGN.md section 3.
_base_ = ['./resnet50.py']
model = dict(
    type='DenseCL',
    backbone=_base_.resnet50,
    # OpenSelfSup's ResNet init (backbones/resnet.py init_weights): convs
    # Kaiming-normal fan_in, where mmpretrain's ResNet uses fan_out
    backbone_conv_init='fan_in',
    head=dict(
        type='DenseCLHead',
        in_channels=2048,
        hid_channels=2048,
        out_channels=128,
        queue_len=65536,
        temperature=0.2,
        loss_lambda=0.5,
        dense_warmup_iters=0),  # the official default: no warm-up
    teacher_momentum=0.999,  # papers' convention (keeps 99.9 %)
    momentum_schedule='constant',
    shuffle_bn=True,
    transfer='student')
