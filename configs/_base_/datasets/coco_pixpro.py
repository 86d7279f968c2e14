# PixPro's two views (`--aug BYOL`, contrast/data/transform.py) of COCO
# train2017 images, each recording its crop box, flip and size
# (MultiViewWithGeometry) and the source size (ori_shape) that PixPro's
# coordinates are normalised by.  The pieces are SlotCon's BYOL views
# (coco_slotcon.py) with PixPro's differences: bilinear resizing
# (RandomResizedCropCoord's default) and independent crops (no overlap
# condition).  8 GPUs x 128 = 1024 images per iteration, as released.
_base_ = ['./coco_slotcon.py']
crop = dict(_base_.crop, interpolation='bilinear')
# what follows the crop in each view (children change the crop only)
view_tail1 = [*_base_.colour, dict(_base_.blur, prob=1.)]
view_tail2 = [
    *_base_.colour,
    dict(_base_.blur, prob=0.1),
    dict(type='Solarize', thr=128, prob=0.2)
]
view_pipeline1 = [crop, *view_tail1]
view_pipeline2 = [crop, *view_tail2]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiViewWithGeometry',
        num_views=[1, 1],
        transforms=[view_pipeline1, view_pipeline2]),
    dict(
        type='PackInputs',
        meta_keys=('sample_idx', 'img_path', 'ori_shape', 'view_boxes',
                   'view_flips', 'view_sizes'))
]
train_dataloader = dict(batch_size=128, dataset=dict(pipeline=train_pipeline))
