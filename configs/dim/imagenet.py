# Deep InfoMax (local-global, JSD) on ImageNet-1K train, ResNet-50, 8 x 32,
# Adam 1e-4 (betas 0.5, 0.999: the official code's cortex default) cosine,
# 200 epochs.
_base_ = [
    '../_base_/models/dim_r50.py',
    '../_base_/datasets/coco_single_view.py',
    '../_base_/datasets/imagenet_train.py',
    '../_base_/schedules/adam_coslr_200e.py',
    '../_base_/pretrain_runtime.py',
]
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
optim_wrapper = dict(optimizer=dict(betas=(0.5, 0.999)))
