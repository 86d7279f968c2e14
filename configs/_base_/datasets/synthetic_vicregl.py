# VICRegL's views (coco_vicregl.py) at 64 px on the synthetic COCO+, batch 8,
# for CPU demos and tests: the SlotCon demo's loader and views
# (synthetic_slotcon.py) with independent crops.
_base_ = ['./synthetic_slotcon.py']
train_pipeline = [
    _base_.train_pipeline[0],
    dict(
        type='MultiViewWithGeometry',
        num_views=[1, 1],
        transforms=[_base_.view_pipeline1, _base_.view_pipeline2]),
    _base_.train_pipeline[2],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
