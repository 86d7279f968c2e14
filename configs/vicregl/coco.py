# VICRegL on COCO train2017, ResNet-50, 8 GPUs x 64 (= 512), LARS lr 0.6,
# fp16, 800 epochs (10 warm-up).  The official code has no COCO setting:
# the epochs are our choice (the COCO length of DenseCL and SlotCon); every
# other value is the 100-epoch ImageNet recipe's.
#   tools/dist_train.sh configs/vicregl/coco.py 8
_base_ = [
    '../_base_/models/vicregl_r50.py',
    '../_base_/datasets/coco_vicregl.py',
    '../_base_/schedules/lars_coslr_vicregl.py',
    '../_base_/pretrain_runtime.py',
]
param_scheduler = [
    dict(_base_.param_scheduler[0]),
    dict(_base_.param_scheduler[1], T_max=790, end=800),
]
train_cfg = dict(max_epochs=800)
