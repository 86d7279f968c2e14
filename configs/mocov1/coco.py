# MoCo v1 on COCO train2017, ResNet-50, 8 GPUs x 32 (= 256): the paper's
# ImageNet recipe (SGD lr 0.03, wd 1e-4, two NPID-style views, no blur,
# t 0.07, queue 65536, momentum 0.999, shuffle-BN) over 800 epochs
# (DenseCL's COCO length), lr x 0.1 at 60 % and 80 %.
_base_ = [
    '../_base_/models/mocov1_r50.py',
    '../_base_/datasets/coco_mocov2_geometry.py',
    '../_base_/datasets/instance_views.py',
    '../_base_/schedules/sgd_steplr_800e.py',
    '../_base_/pretrain_runtime.py',
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[_base_.npid_view]),
    _base_.instance_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
