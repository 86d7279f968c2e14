# The synthetic COCO (train2017 + unlabeled2017, i.e. "COCO+") made by
# tools/dataset_converters/make_synthetic.py, with the MoCo v2 two-view
# pipeline at a small crop size, for CPU demos and tests.
data_root = 'data/synthetic/coco/'
crop_size = 64

data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

view_pipeline = [
    dict(
        type='RandomResizedCrop',
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
    dict(type='MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='PackInputs')
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    drop_last=True,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(
                type='UnlabeledImageDataset',
                data_root=data_root,
                ann_file='annotations/instances_train2017.json',
                data_prefix=dict(img_path='train2017/'),
                pipeline=train_pipeline),
            dict(
                type='UnlabeledImageDataset',
                data_root=data_root,
                ann_file='annotations/image_info_unlabeled2017.json',
                data_prefix=dict(img_path='unlabeled2017/'),
                pipeline=train_pipeline),
        ]))
