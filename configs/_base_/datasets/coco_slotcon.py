# SlotCon's two asymmetric (BYOL-style) views of COCO train2017 images, each
# view recording its crop box, flip and size (MultiViewWithGeometry), with
# SlotCon's overlap-conditioned cropping: view 1's crop is re-drawn (up to 10
# times) until at least 1 % of it lies inside view 0's crop.
# 8 GPUs x 64 = 512 images per iteration, as in SlotCon.
_base_ = ['./coco_unlabeled.py']
crop_size = 224

data_preprocessor = dict(
    type='SelfSupDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

# transform names as in mmpretrain's imagenet_bs32_byol.py
crop = dict(
    type='RandomResizedCropWithBox',
    scale=crop_size,
    crop_ratio_range=(0.08, 1.),
    interpolation='bicubic',
    backend='pillow')
colour = [
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='RandomApply',
        transforms=[
            dict(
                type='ColorJitter',
                brightness=0.4,
                contrast=0.4,
                saturation=0.2,
                hue=0.1)
        ],
        prob=0.8),
    dict(
        type='RandomGrayscale',
        prob=0.2,
        keep_channels=True,
        channel_weights=(0.114, 0.587, 0.2989)),
]
blur = dict(
    type='GaussianBlur', magnitude_range=(0.1, 2.0), magnitude_std='inf')
view_pipeline1 = [crop, *colour, dict(blur, prob=1.)]
view_pipeline2 = [
    crop, *colour,
    dict(blur, prob=0.1),
    dict(type='Solarize', thr=128, prob=0.2)
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiViewWithGeometry',
        num_views=[1, 1],
        transforms=[view_pipeline1, view_pipeline2],
        min_overlap=0.01,
        max_tries=10),
    dict(
        type='PackInputs',
        meta_keys=('sample_idx', 'img_path', 'ori_shape', 'view_boxes',
                   'view_flips', 'view_sizes'))
]

train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))
