# CPC v2 patch grids from COCO train2017: a random 256 px crop (flipped at
# random), cut into 7 x 7 patches of 64 px at stride 32 (PatchGrid), each
# patch augmented on its own (flip, colour jitter, grayscale, colour-channel
# dropping: our reading of the paper's patch-level augmentation). 8 x 32.
data_root = 'data/coco/'
crop_size = 256
patch_size = 64
patch_stride = 32
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
patch_transforms = [
    dict(type='RandomFlip', prob=0.5),
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
    dict(type='ColorChannelDrop', prob=0.25),
]
patch_grid = dict(
    type='PatchGrid',
    patch_size=patch_size,
    stride=patch_stride,
    patch_transforms=patch_transforms)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='RandomResizedCrop',
        scale=crop_size,
        crop_ratio_range=(0.2, 1.),
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    patch_grid,
    dict(
        type='PackInputs',
        meta_keys=('sample_idx', 'img_path', 'patch_boxes', 'grid_shape')),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    drop_last=True,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='UnlabeledImageDataset',
        data_root=data_root,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img_path='train2017/'),
        pipeline=train_pipeline))
