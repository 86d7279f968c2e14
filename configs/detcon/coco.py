# DetCon-B on COCO train2017, ResNet-50, 8 GPUs x 64 (= 512), LARS lr 0.2 x
# 512 / 256 = 0.4, fp32, 800 epochs with 8 warm-up epochs (1 %, as the
# released num_epochs // 100).  The official code has no COCO setting: the
# batch and epochs are our choice (those of the COCO recipes of DenseCL and
# SlotCon); every other value is the released ImageNet one.
# FH masks first: make_fh_masks.py data/coco --folders train2017
#   tools/dist_train.sh configs/detcon/coco.py 8
_base_ = [
    '../_base_/models/detcon_r50.py',
    '../_base_/datasets/coco_detcon.py',
    '../_base_/schedules/lars_coslr_detcon.py',
    '../_base_/pretrain_runtime.py',
]
optim_wrapper = dict(optimizer=dict(lr=0.4))
param_scheduler = [
    dict(_base_.param_scheduler[0], end=8),
    dict(_base_.param_scheduler[1], T_max=792, begin=8, end=800),
]
train_cfg = dict(max_epochs=800)
auto_scale_lr = dict(base_batch_size=512)
