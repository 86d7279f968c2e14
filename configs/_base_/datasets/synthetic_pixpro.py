# PixPro's views (see coco_pixpro.py) at 64 px on the synthetic COCO+
# (train2017 + unlabeled2017) of tools/dataset_converters/make_synthetic.py,
# batch 8, for CPU demos and tests.
_base_ = ['./coco_pixpro.py', './coco_plus.py']
data_root = 'data/synthetic/coco/'
crop = dict(_base_.crop, scale=64)
view_pipeline1 = [crop, *_base_.view_tail1]
view_pipeline2 = [crop, *_base_.view_tail2]
train_pipeline = [
    _base_.train_pipeline[0],
    dict(
        _base_.train_pipeline[1], transforms=[view_pipeline1, view_pipeline2]),
    _base_.train_pipeline[2],
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    pin_memory=False,  # CPU demos: nothing to pin for
    dataset=dict(
        data_root=data_root,
        ann_file='',
        sources=_base_.coco_plus_sources,
        pipeline=train_pipeline))
