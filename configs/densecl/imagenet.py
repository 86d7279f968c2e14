# DenseCL on ImageNet-1K, ResNet-50, 200 epochs, 8 x 32, SGD lr 0.03 cosine.
_base_ = [
    '../_base_/models/densecl_r50.py',
    '../_base_/datasets/coco_mocov2_geometry.py',
    '../_base_/datasets/imagenet_train.py',
    '../_base_/schedules/sgd_coslr_200e.py',
    '../_base_/pretrain_runtime.py',
]
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
