# A tiny DenseCL pre-training run on the synthetic COCO+ images, for CPU:
# ResNet-18, 64 px crops, batch 8, 20 iterations. Uses mmpretrain's DenseCL
# (the encoder-only baseline) until mmdense's own lands; the backbone is
# saved as `backbone.*`.
_base_ = [
    '../_base_/datasets/synthetic_coco_unlabeled_mocov2.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='DenseCL',
    queue_len=64,  # a multiple of the global batch (8 x processes)
    feat_dim=64,
    momentum=0.001,  # mmengine EMA convention: the paper's 0.999
    loss_lambda=0.5,
    backbone=dict(
        type='ResNet',
        depth=18,
        norm_cfg=dict(type='BN'),
        zero_init_residual=False),
    neck=dict(
        type='DenseCLNeck',
        in_channels=512,
        hid_channels=256,
        out_channels=64,
        num_grid=None),
    head=dict(
        type='ContrastiveHead',
        loss=dict(type='CrossEntropyLoss'),
        temperature=0.2),
)
find_unused_parameters = True

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, weight_decay=1e-4, momentum=0.9))
max_iters = 20
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_iters, by_epoch=False, begin=0,
         end=max_iters)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=10, max_keep_ckpts=2))
auto_scale_lr = dict(base_batch_size=256)
