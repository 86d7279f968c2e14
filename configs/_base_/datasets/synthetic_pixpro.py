# PixPro's views (coco_pixpro.py) at 64 px on the synthetic COCO+, batch 8,
# for CPU demos and tests: the SlotCon demo's loader (synthetic_slotcon.py)
# with PixPro's two differences, bilinear resizing and independent crops
# (no overlap condition).
_base_ = ['./synthetic_slotcon.py']
crop = dict(_base_.crop, interpolation='bilinear')
view_pipeline1 = [crop, *_base_.view_pipeline1[1:]]
view_pipeline2 = [crop, *_base_.view_pipeline2[1:]]
train_pipeline = [
    _base_.train_pipeline[0],
    dict(
        type='MultiViewWithGeometry',
        num_views=[1, 1],
        transforms=[view_pipeline1, view_pipeline2]),
    _base_.train_pipeline[2],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
