# PixPro's views (see coco_pixpro.py) on the ImageNet-1k training images,
# found by scanning the folder (class sub-folders are ignored).
_base_ = ['./coco_pixpro.py', './imagenet_train.py']
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
