# MoCo v2 / DenseCL views of COCO train2017 with the pixel work on the GPU:
# the CPU workers decode, draw each view's crop box and flip (recorded as
# MultiViewWithGeometry records them) and pad the source to 640 x 640;
# DeviceAugDataPreprocessor crops, flips, jitters, greys, blurs and
# normalises the whole batch on the device
# (mmdense/models/data_preprocessors/device_aug.py).
# The same augmentation parameters as coco_mocov2_geometry.py.
_base_ = ['./coco_mocov2_geometry.py']
source_size = 640
data_preprocessor = dict(
    _delete_=True,
    type='DeviceAugDataPreprocessor',
    # MoCo v2 (mmpretrain's imagenet_bs32_mocov2.py); GaussianBlur's
    # magnitude_range (0.1, 2.0) with magnitude_std='inf' is sigma ~ U(0.1, 2)
    views=[
        dict(
            color_jitter=dict(
                brightness=0.4,
                contrast=0.4,
                saturation=0.4,
                hue=0.1,
                prob=0.8),
            grayscale_prob=0.2,
            blur_prob=0.5,
            blur_sigma=(0.1, 2.0),
            solarize_prob=0.)
    ] * 2,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
geometry_view = [
    dict(
        type='RandomResizedCropWithBox',
        scale=_base_.crop_size,
        crop_ratio_range=(0.2, 1.),
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='DeviceViewGeometry',
        num_views=2,
        transforms=[geometry_view],
        source_size=source_size),
    dict(
        type='PackInputs',
        meta_keys=('sample_idx', 'img_path', 'ori_shape', 'view_boxes',
                   'view_flips', 'view_sizes', 'source_scale'))
]
train_dataloader = dict(
    num_workers=8, prefetch_factor=4, dataset=dict(pipeline=train_pipeline))
