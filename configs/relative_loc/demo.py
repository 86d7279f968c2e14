# Context prediction on the synthetic COCO+ (160 x 120 images) for CPU:
# ResNet-18, 16 px patches 8 px apart with 2 px jitter, colour-channel
# dropping, one 256-wide hidden layer, batch 8, Adam 1e-3, 40 iterations.
_base_ = [
    '../_base_/models/relative_loc_r50.py',
    '../_base_/datasets/coco_relative_loc.py',
    '../_base_/datasets/coco_plus.py',
    '../_base_/default_runtime.py',
    '../_base_/demo_signals.py',
]
model = dict(
    backbone=dict(depth=18), head=dict(in_channels=512, hid_channels=(256, )))
data_root = 'data/synthetic/coco/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(_base_.pair_sampler, patch_size=16, gap=8, jitter=2),
    _base_.train_pipeline[-1],
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        data_root=data_root,
        ann_file='',
        sources=_base_.coco_plus_sources,
        pipeline=train_pipeline))
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
max_iters = 40
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=10, max_keep_ckpts=2))
custom_hooks = [_base_.demo_custom_hooks[0], _base_.demo_custom_hooks[2]]
