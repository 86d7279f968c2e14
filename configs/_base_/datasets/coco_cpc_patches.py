# CPC v2 patch grids from COCO train2017: a random 256 px crop (flipped at
# random), cut into 7 x 7 patches of 64 px at stride 32 (PatchGrid), each
# patch augmented on its own (flip, the MoCo v2 colour jitter and grayscale,
# colour-channel dropping: our reading of the paper's patch-level
# augmentation). Loader and preprocessor of coco_mocov2_geometry.py, 8 x 32.
_base_ = ['./coco_mocov2_geometry.py']
crop_size = 256
patch_size = 64
patch_stride = 32
patch_transforms = [
    dict(type='RandomFlip', prob=0.5),
    *_base_.view_pipeline[1:3],  # ColorJitter (p 0.8), RandomGrayscale 0.2
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
