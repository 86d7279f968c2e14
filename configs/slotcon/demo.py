# SlotCon on the synthetic COCO+ for CPU: ResNet-18, 64 px, batch 8,
# 16 prototypes, narrow heads, 20 iterations.
_base_ = [
    '../_base_/models/slotcon_r50.py',
    '../_base_/datasets/synthetic_slotcon.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(
        in_channels=512, num_prototypes=16, hid_channels=256,
        out_channels=64))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=10, max_keep_ckpts=2))

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
