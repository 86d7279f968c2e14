# CPC v2 on ImageNet-1K train (the paper's data), BN ResNet-50, 7 x 7
# patches of 64 px, 8 x 32 images, Adam 1e-4 cosine, 200 epochs.
_base_ = [
    '../_base_/models/cpcv2_r50.py',
    '../_base_/datasets/coco_cpc_patches.py',
    '../_base_/datasets/imagenet_train.py',
    '../_base_/schedules/adam_coslr_200e.py',
    '../_base_/pretrain_runtime.py',
]
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
