# COCO train2017 images without their labels, the pre-training source of
# every COCO recipe (UnlabeledImageDataset): children set the pipeline
# (`train_dataloader = dict(dataset=dict(pipeline=...))`) and the batch size.
data_root = 'data/coco/'
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    drop_last=True,
    persistent_workers=True,
    pin_memory=True,  # faster host -> GPU copies
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='UnlabeledImageDataset',
        data_root=data_root,
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(img_path='train2017/')))
