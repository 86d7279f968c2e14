# Per-view augmentations of the instance-discrimination methods at 224 px
# (distinct names, so a config can inherit this next to a dataset base).
# Children build their pipeline: LoadImageFromFile -> MultiView -> pack.
grayscale_step = dict(
    type='RandomGrayscale',
    prob=0.2,
    keep_channels=True,
    channel_weights=(0.114, 0.587, 0.2989))
blur_step = dict(
    type='GaussianBlur',
    magnitude_range=(0.1, 2.0),
    magnitude_std='inf',
    prob=0.5)


def jitter_step(brightness, contrast, saturation, hue, prob=0.8):
    return dict(
        type='RandomApply',
        transforms=[
            dict(
                type='ColorJitter',
                brightness=brightness,
                contrast=contrast,
                saturation=saturation,
                hue=hue)
        ],
        prob=prob)


# InstDisc / MoCo v1 (official code): crop 0.2-1, grayscale 0.2, colour
# jitter 0.4 (always, hue 0.4), flip.
npid_view = [
    dict(
        type='RandomResizedCrop',
        scale=224,
        crop_ratio_range=(0.2, 1.),
        backend='pillow'),
    grayscale_step,
    jitter_step(0.4, 0.4, 0.4, 0.4, prob=1.),
    dict(type='RandomFlip', prob=0.5),
]
# SimCLR (mmpretrain's imagenet_bs32_simclr.py): crop 0.08-1 resized bicubic
# (the official data_util.py), flip, colour jitter strength 1
# (0.8/0.8/0.8/0.2) p 0.8, grayscale 0.2, blur p 0.5.
simclr_view = [
    dict(
        type='RandomResizedCrop',
        scale=224,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    jitter_step(0.8, 0.8, 0.8, 0.2),
    grayscale_step,
    blur_step,
]
# BYOL (paper table 6 / mmpretrain's imagenet_bs32_byol.py): asymmetric,
# view 1 blur p 1.0 and no solarize, view 2 blur p 0.1 and solarize p 0.2.
byol_view1 = [
    dict(
        type='RandomResizedCrop',
        scale=224,
        interpolation='bicubic',
        backend='pillow'),
    dict(type='RandomFlip', prob=0.5),
    jitter_step(0.4, 0.4, 0.2, 0.1),
    grayscale_step,
    dict(blur_step, prob=1.),
    dict(type='Solarize', thr=128, prob=0.),
]
byol_view2 = [
    *byol_view1[:4],
    dict(blur_step, prob=0.1),
    dict(type='Solarize', thr=128, prob=0.2),
]
instance_pack = dict(type='PackInputs', meta_keys=('sample_idx', 'img_path'))
