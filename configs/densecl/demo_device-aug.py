# configs/densecl/demo.py with the device-side augmentation path
# (DeviceViewGeometry on the CPU, DeviceAugDataPreprocessor on the device).
_base_ = ['./demo.py']
data_preprocessor = dict(
    _delete_=True,
    type='DeviceAugDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)  # MoCo v2's augmentation for both views (the default)
geometry_view = [
    dict(
        type='RandomResizedCropWithBox',
        scale=64,
        crop_ratio_range=(0.2, 1.),
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
]
train_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(
            type='DeviceViewGeometry',
            num_views=2,
            transforms=[geometry_view],
            source_size=160),  # the synthetic images are 160 x 120
        dict(
            type='PackInputs',
            meta_keys=('sample_idx', 'img_path', 'ori_shape', 'view_boxes',
                       'view_flips', 'view_sizes', 'source_scale'))
    ]))
