# VICRegL's views (see coco_vicregl.py) on the ImageNet-1k training images.
_base_ = ['./coco_vicregl.py', './imagenet_train.py']
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
