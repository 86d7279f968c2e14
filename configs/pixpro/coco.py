# PixPro on COCO train2017, ResNet-50, 8 GPUs x 128 (= 1024), LARS lr 4.0,
# fp16, 800 epochs.  The official code has no COCO setting: this is our
# choice.  It keeps every released ImageNet value (model, views, optimiser,
# warm-up, batch) and takes the epochs of the COCO recipes of DenseCL and
# SlotCon (800: about 92k iterations at this batch, against 125k for
# ImageNet's 100 epochs).
#   tools/dist_train.sh configs/pixpro/coco.py 8
_base_ = [
    '../_base_/models/pixpro_r50.py',
    '../_base_/datasets/coco_pixpro.py',
    '../_base_/schedules/lars_coslr_100e_pixpro.py',
    '../_base_/pretrain_runtime.py',
]
param_scheduler = [
    dict(_base_.param_scheduler[0]),
    dict(_base_.param_scheduler[1], T_max=795, end=800),
]
train_cfg = dict(max_epochs=800)
