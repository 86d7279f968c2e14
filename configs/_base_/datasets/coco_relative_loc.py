# Context-prediction pairs (Doersch et al., ICCV 2015) from COCO train2017:
# each image resized to about 150k-450k pixels, a 3x3 grid of 96 px cells
# 48 px apart, jitter <= 7 px, the centre patch and a random neighbour,
# each patch with 2 of its 3 colour channels dropped (the paper's guard
# against chromatic aberration; RandomGrayscale is the alternative).
# 8 GPUs x 32.
data_root = 'data/coco/'
data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)
patch_transforms = [dict(type='ColorChannelDrop', prob=1.0)]
pair_sampler = dict(
    type='RelativePatchPair',
    patch_size=96,
    gap=48,
    jitter=7,
    task='position',
    patch_transforms=patch_transforms)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(640, 480), ratio_range=(0.7, 1.22),
         keep_ratio=True),
    pair_sampler,
    dict(type='PackInputs', meta_keys=('sample_idx', 'img_path',
                                       'patch_boxes')),
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
