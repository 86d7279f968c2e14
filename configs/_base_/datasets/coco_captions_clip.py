# COCO train2017 images, each with ONE of its five captions drawn at random
# per load (captions_train2017.json), for CLIP-style pre-training. CLIP's only
# augmentation: a random square crop of the resized image (no flip: captions
# say left / right). The word tokenizer is trained from the captions on first
# use and saved next to them (or: tools/misc/build_caption_vocab.py).
# 8 GPUs x 128 = 1024 pairs per iteration.
data_root = 'data/coco/'
crop_size = 224
context_length = 77
vocab_size = 49408
captions_file = data_root + 'annotations/captions_train2017.json'
vocab_file = data_root + 'annotations/clip_vocab_captions_train2017.json'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=crop_size, edge='short', backend='pillow'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(
        type='TokenizeCaption',
        vocab_file=vocab_file,
        captions_file=captions_file,
        vocab_size=vocab_size,
        context_length=context_length),
    dict(
        type='PackInputs',
        algorithm_keys=['text'],
        meta_keys=('sample_idx', 'img_path', 'caption'))
]
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    drop_last=True,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CocoCaptionDataset',
        data_root=data_root,
        ann_file='annotations/captions_train2017.json',
        data_prefix=dict(img_path='train2017/'),
        pipeline=train_pipeline))
