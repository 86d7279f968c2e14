# MoCo v2 / DenseCL views (mmpretrain's imagenet_bs32_mocov2.py pipeline) of
# COCO train2017 images, each view recording its crop box, flip and size
# (MultiViewWithGeometry; crops drawn independently, as in DenseCL).
# 8 GPUs x 32 = 256 images per iteration, as in DenseCL.
_base_ = ['./coco_unlabeled.py']
crop_size = 224

data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

view_pipeline = [
    dict(
        type='RandomResizedCropWithBox',
        scale=crop_size,
        crop_ratio_range=(0.2, 1.),
        backend='pillow'),
    dict(
        type='RandomApply',
        transforms=[
            dict(
                type='ColorJitter',
                brightness=0.4,
                contrast=0.4,
                saturation=0.4,
                hue=0.1)
        ],
        prob=0.8),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
    dict(
        type='GaussianBlur',
        magnitude_range=(0.1, 2.0),
        magnitude_std='inf',
        prob=0.5),
    dict(type='RandomFlip', prob=0.5),
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiViewWithGeometry', num_views=2, transforms=[view_pipeline]),
    dict(
        type='PackInputs',
        meta_keys=('sample_idx', 'img_path', 'ori_shape', 'view_boxes',
                   'view_flips', 'view_sizes'))
]

train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
