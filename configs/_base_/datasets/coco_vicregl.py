# VICRegL's two views (MultiCropTrainDataTransform with --num-crops 2
# --size-crops 224, scale 0.08-1) of COCO train2017 images, each recording
# its crop box, flip and size (MultiViewWithGeometry) for the location
# matching: SlotCon's BYOL pieces (coco_slotcon.py: bicubic crops, blur
# 1.0 / 0.1, solarize 0 / 0.2, the same jitter and grayscale) with
# independent crops.  8 GPUs x 64 = 512, the 100-epoch recipe's batch.
_base_ = ['./coco_slotcon.py']
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiViewWithGeometry',
        num_views=[1, 1],
        transforms=[_base_.view_pipeline1, _base_.view_pipeline2]),
    _base_.train_pipeline[2],
]
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))
