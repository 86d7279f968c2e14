# DetCon's views with FH masks (see coco_detcon.py) on the ImageNet-1k
# training images (masks in data/imagenet/fh_masks/train/), 16 GPUs x 256 =
# 4096 images per iteration, as released.
_base_ = ['./coco_detcon.py', './imagenet_train.py']
data_root = _base_.imagenet_train.data_root
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(_base_.fh_mask_loader, image_folders=('train', )),
    dict(
        _base_.detcon_views,
        transforms=[_base_.view_pipeline1, _base_.view_pipeline2]),
    _base_.view_masks, _base_.detcon_pack
]
train_dataloader = dict(
    batch_size=256,
    dataset=dict(_base_.imagenet_train, pipeline=train_pipeline))
