# Context prediction on ImageNet-1K train (the paper's data), ResNet-50,
# 8 x 32, SGD lr 0.03 cosine, 200 epochs.
_base_ = [
    '../_base_/models/relative_loc_r50.py',
    '../_base_/datasets/coco_relative_loc.py',
    '../_base_/datasets/imagenet_train.py',
    '../_base_/schedules/sgd_coslr_200e.py',
    '../_base_/pretrain_runtime.py',
]
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
