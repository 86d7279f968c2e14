# BYOL on the synthetic COCO+ for CPU: ResNet-18 (BN: one process),
# 64 px asymmetric BYOL views, batch 8, projector / predictor 256-64,
# target EMA cosine 0.996 -> 1, LARS, 20 iterations.
_base_ = [
    '../_base_/models/byol_r50.py',
    '../_base_/datasets/instance_views_demo.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18, norm_cfg=dict(type='BN')),
    neck=dict(in_channels=512, hid_channels=256, out_channels=64),
    head=dict(
        predictor=dict(in_channels=64, hid_channels=256, out_channels=64)))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiView',
        num_views=[1, 1],
        transforms=[_base_.byol_view1_64, _base_.byol_view2_64]),
    _base_.instance_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
