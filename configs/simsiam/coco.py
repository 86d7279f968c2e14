# SimSiam on COCO train2017, ResNet-50 (SyncBN), 8 GPUs x 64 (= 512): the
# paper's ImageNet recipe (SGD lr 0.05 x 512/256 = 0.1, wd 1e-4, cosine,
# MoCo v2 augmentations, predictor at a fixed lr) over 800 epochs
# (DenseCL's COCO length).  mmpretrain's SimSiam and SimSiamHook unchanged.
#   tools/dist_train.sh configs/simsiam/coco.py 8
_base_ = [
    '../_base_/models/simsiam_r50.py',
    '../_base_/datasets/coco_mocov2_geometry.py',
    '../_base_/schedules/sgd_coslr_800e.py',
    '../_base_/pretrain_runtime.py',
]
lr = 0.1
train_dataloader = dict(batch_size=64)
optim_wrapper = dict(
    optimizer=dict(lr=lr),
    # the predictor's group keeps `lr` (simsiam_r50.py)
    paramwise_cfg=_base_.simsiam_fixed_pred_lr)
custom_hooks = [
    dict(type='TransferMetaHook'),
    dict(_base_.simsiam_hook, lr=lr)
]
auto_scale_lr = dict(base_batch_size=512)
