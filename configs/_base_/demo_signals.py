# Training signals for the CPU demos (docs/monitors.md): the collapse measure
# of every level head every 5 iterations, a linear probe on 16 + 8 synthetic
# VOC12 images at 96 px every 10 iterations. demo_runtime.py sets
# `custom_hooks = demo_custom_hooks` (which keeps TransferMetaHook: a
# child's `custom_hooks` replaces the runtime's list); a child that changes
# the list builds it from the named hooks (`_base_.dense_probe_hook`, ...).
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
transfer_meta_hook = dict(type='TransferMetaHook')
collapse_monitor_hook = dict(type='CollapseMonitorHook', interval=5)
dense_probe_hook = dict(
    type='DenseProbeHook',
    dataset=probe_voc,
    val_dataset=dict(probe_voc, ann_file='ImageSets/Segmentation/val.txt'),
    num_classes=21,
    interval=10,
    level='enc',
    max_samples=16,
    probe_iters=300,
    lr=2.0)
demo_custom_hooks = [
    transfer_meta_hook, collapse_monitor_hook, dense_probe_hook
]
