# Context-prediction pairs (Doersch et al., ICCV 2015) from COCO train2017:
# each image resized to a short side of 400-600 px (about 210k-480k pixels at
# 4:3, the official code's 150k-450k, with room for the 398 px 3x3 grid
# everywhere; the official code fits smaller grids instead), a 3x3 grid of
# 96 px cells
# 48 px apart, jitter <= 7 px, the center patch and a random neighbour,
# each patch with 2 of its 3 colour channels dropped (the paper's guard
# against chromatic aberration; RandomGrayscale is the alternative).
# Loader and preprocessor of coco_mocov2_geometry.py, 8 x 32.
_base_ = ['./coco_mocov2_geometry.py']
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
    dict(
        type='RandomResize', scale=[(1333, 400), (1333, 600)],
        keep_ratio=True),
    pair_sampler,
    dict(
        type='PackInputs',
        meta_keys=('sample_idx', 'img_path', 'patch_boxes')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
