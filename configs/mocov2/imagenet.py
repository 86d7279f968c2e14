# MoCo v2 on ImageNet-1K: the paper's recipe, batch 256, SGD lr 0.03
# cosine, 200 epochs, t 0.2, MLP head, blur.
_base_ = [
    '../_base_/models/mocov2_r50.py',
    '../_base_/datasets/coco_mocov2_geometry.py',
    '../_base_/datasets/imagenet_train.py',
    '../_base_/schedules/sgd_coslr_200e.py',
    '../_base_/pretrain_runtime.py',
]
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
