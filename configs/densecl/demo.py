# mmdense's DenseCL on the synthetic COCO+ images, for CPU: ResNet-18,
# 64 px crops, batch 8, 20 iterations, small queues, dense loss from the
# first iteration (the official default).
_base_ = [
    '../_base_/models/densecl_r50.py',
    '../_base_/datasets/synthetic_coco_unlabeled_mocov2.py',
    '../_base_/demo_runtime.py',
]

model = dict(
    backbone=dict(depth=18),
    head=dict(
        in_channels=512, hid_channels=256, out_channels=64,
        queue_len=32))  # < the 48 demo images; a multiple of 8 x processes

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, weight_decay=1e-4, momentum=0.9))
max_iters = 20
# warm-up, then constant: `--cfg-options train_cfg.max_iters=N` is enough
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
auto_scale_lr = dict(base_batch_size=256)
