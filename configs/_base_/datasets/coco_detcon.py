# DetCon's two views of COCO train2017 images with their FH masks: the
# masks (tools/dataset_converters/make_fh_masks.py, once) are loaded with
# the image, each view records its crop box, flip and size
# (MultiViewWithGeometry) and ViewMasks cuts the view's mask from them
# (same window and flip, nearest neighbour).  The views are BYOL's
# (coco_slotcon.py's pieces: bicubic 224-px crops, blur 1.0 / 0.1, solarize
# 0 / 0.2) with independent crops (no overlap condition).
_base_ = ['./coco_slotcon.py', './detcon_masks.py']
train_pipeline = [
    dict(type='LoadImageFromFile'), _base_.fh_mask_loader,
    dict(
        _base_.detcon_views,
        transforms=[_base_.view_pipeline1, _base_.view_pipeline2]),
    _base_.view_masks, _base_.detcon_pack
]
# COCO: 8 GPUs x 64 = 512 (our choice, configs/detcon/coco.py)
train_dataloader = dict(batch_size=64, dataset=dict(pipeline=train_pipeline))
