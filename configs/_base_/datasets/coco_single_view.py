# One augmented view per COCO train2017 image (Deep InfoMax): the MoCo v2
# view pipeline of coco_mocov2_geometry.py, 224 px, 8 GPUs x 32.
_base_ = ['./coco_mocov2_geometry.py']
train_pipeline = [
    dict(type='LoadImageFromFile'), *_base_.view_pipeline,
    dict(type='PackInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
