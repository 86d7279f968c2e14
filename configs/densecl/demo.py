# mmdense's DenseCL on the synthetic COCO+ images, for CPU: ResNet-18,
# 64 px crops, batch 8, 20 iterations, small queues, dense loss on from
# iteration 5 (the paper waits 1000).
_base_ = [
    '../_base_/models/densecl_r50.py',
    '../_base_/datasets/synthetic_coco_unlabeled_mocov2.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(depth=18),
    head=dict(
        in_channels=512,
        hid_channels=256,
        out_channels=64,
        queue_len=64,  # a multiple of the global batch (8 x processes)
        dense_warmup_iters=5))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, weight_decay=1e-4, momentum=0.9))
max_iters = 20
# warm-up, then constant: `--cfg-options train_cfg.max_iters=N` is enough
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=10, max_keep_ckpts=2))
auto_scale_lr = dict(base_batch_size=256)

# training signals (docs/monitors.md): the collapse measure of every level
# head every 5 iterations, a linear probe on 16 + 8 synthetic VOC12 images at
# 96 px every 10 iterations; `custom_hooks` replaces the runtime's list, so
# TransferMetaHook is repeated here
probe_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(96, 96), keep_ratio=False),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
probe_voc = dict(
    type='PascalVOCDataset',
    data_root='data/synthetic/VOCdevkit/VOC2012',
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
    ann_file='ImageSets/Segmentation/train.txt',
    pipeline=probe_pipeline)
custom_hooks = [
    dict(type='TransferMetaHook'),
    dict(type='CollapseMonitorHook', interval=5),
    dict(
        type='DenseProbeHook',
        dataset=probe_voc,
        val_dataset=dict(probe_voc, ann_file='ImageSets/Segmentation/val.txt'),
        num_classes=21,
        interval=10,
        level='enc',
        max_samples=16,
        probe_iters=300,
        lr=2.0)
]
