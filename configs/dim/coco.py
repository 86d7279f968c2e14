# Deep InfoMax (local-global, JSD) on COCO train2017, ResNet-50, 8 x 32,
# Adam 1e-4 (betas 0.5, 0.999: the official code's cortex default) cosine,
# 800 epochs.
#   tools/dist_train.sh configs/dim/coco.py 8
_base_ = [
    '../_base_/models/dim_r50.py',
    '../_base_/datasets/coco_single_view.py',
    '../_base_/schedules/adam_coslr_800e.py',
    '../_base_/pretrain_runtime.py',
]
optim_wrapper = dict(optimizer=dict(betas=(0.5, 0.999)))
