# SimCLR on the synthetic COCO+ for CPU: ResNet-18 (BN: one process),
# 64 px SimCLR views, batch 8, projector 512-256-64, t 0.5 (the paper's
# small-batch value), LARS, 20 iterations.
_base_ = [
    '../_base_/models/simclr_r50.py',
    '../_base_/datasets/instance_views_demo.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18, norm_cfg=dict(type='BN')),
    neck=dict(in_channels=512, hid_channels=256, out_channels=64),
    head=dict(temperature=0.5))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[_base_.simclr_view_64]),
    _base_.instance_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
