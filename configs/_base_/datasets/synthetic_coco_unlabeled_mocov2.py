# The MoCo v2 / DenseCL views (coco_mocov2_geometry.py) at 64 px on the
# synthetic COCO+ (train2017 + unlabeled2017) made by
# tools/dataset_converters/make_synthetic.py, batch 8, for CPU demos and tests.
_base_ = ['./coco_mocov2_geometry.py', './coco_plus.py']
data_root = 'data/synthetic/coco/'
crop_size = 64
view_pipeline = [
    dict(_base_.view_pipeline[0], scale=crop_size), *_base_.view_pipeline[1:]
]
train_pipeline = [
    _base_.train_pipeline[0],
    dict(_base_.train_pipeline[1], transforms=[view_pipeline]),
    _base_.train_pipeline[2],
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    pin_memory=False,  # CPU demos: nothing to pin for
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        data_root=data_root,
        ann_file='',
        sources=_base_.coco_plus_sources,
        pipeline=train_pipeline))
