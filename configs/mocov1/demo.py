# MoCo v1 on the synthetic COCO+ for CPU: ResNet-18, 64 px, batch 8,
# linear 64-d head, queue 32 (< the 48 images; a multiple of 8 x 1 or 2
# processes), LARS, 20 iterations.
_base_ = [
    '../_base_/models/mocov1_r50.py',
    '../_base_/datasets/instance_views_demo.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(
        projector=dict(in_channels=512, out_channels=64),
        out_channels=64,
        queue_len=32))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[_base_.npid_view_64]),
    _base_.instance_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# LARS at 0.3 (the demo base's optimizer), as the InstDisc demo: with SGD
# at 0.03 the linear head at t 0.07 barely moves in 20 iterations.
optim_wrapper = dict(optimizer=dict(lr=0.3))
