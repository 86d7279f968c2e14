# CPU scale for the synthetic FCN benchmarks (children assign these): the
# demo's ResNet-18 and 64-channel FCN decoder (configs/decon/demo_fcn.py),
# 96 px crops, 40 iterations, no workers.
small_crop = (96, 96)
small_scale = (160, 96)
small_model = dict(
    data_preprocessor=dict(size=small_crop),
    backbone=dict(depth=18),
    decode_head=dict(in_channels=512, channels=64),
    test_cfg=dict(mode='whole'))
small_iters = 40
small_train_cfg = dict(max_iters=small_iters, val_interval=small_iters)
small_schedule = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=small_iters,
        by_epoch=False)
]
small_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=small_iters),
    visualization=dict(type='SegVisualizationHook', draw=False))
small_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=small_scale, ratio_range=(0.5, 2.0),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=small_crop, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
small_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=small_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
voc_root = 'data/synthetic/VOCdevkit/VOC2012'
small_voc12aug_train = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(datasets=[
        dict(
            type='PascalVOCDataset',
            data_root=voc_root,
            data_prefix=dict(img_path='JPEGImages', seg_map_path=seg_maps),
            ann_file=f'ImageSets/Segmentation/{split}.txt',
            pipeline=small_train_pipeline)
        for seg_maps, split in (('SegmentationClass', 'train'),
                                ('SegmentationClassAug', 'aug'))
    ]))
small_voc_val = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=voc_root, pipeline=small_test_pipeline))
