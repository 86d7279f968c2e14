# CLIP-style image-caption contrast on the synthetic COCO captions (five per
# image, naming each object's class, colour and position), for CPU:
# ResNet-18, 64 px square crops, batch 8, a 2-layer width-64 text Transformer,
# 20 iterations.
_base_ = [
    './coco.py',
    '../_base_/demo_signals.py',
]
data_root = 'data/synthetic/coco/'
crop_size = 64
context_length = 64
vocab_size = 128  # the synthetic captions use about 50 words
embed_dim = 64
model = dict(
    backbone=dict(depth=18),
    neck=dict(in_channels=512, out_channels=embed_dim),
    text_encoder=dict(
        vocab_size=vocab_size,
        context_length=context_length,
        width=64,
        layers=2,
        heads=4,
        embed_dim=embed_dim))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=crop_size, edge='short', backend='pillow'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(
        _base_.train_pipeline[3],
        vocab_file=data_root +
        'annotations/clip_vocab_captions_train2017.json',
        captions_file=data_root + 'annotations/captions_train2017.json',
        vocab_size=vocab_size,
        context_length=context_length),
    _base_.train_pipeline[4],
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(lr=1e-3))
max_iters = 20
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2)
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=10, max_keep_ckpts=2))
auto_scale_lr = dict(base_batch_size=8)
custom_hooks = _base_.demo_custom_hooks
