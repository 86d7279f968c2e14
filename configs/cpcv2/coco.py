# CPC v2 on COCO train2017: BN ResNet-50 patch encoder (transfers into the
# BN benchmarks), 7 x 7 patches of 64 px, predictions top to bottom,
# 8 x 32 images, Adam 1e-4 cosine, 800 epochs.
#   tools/dist_train.sh configs/cpcv2/coco.py 8
_base_ = [
    '../_base_/models/cpcv2_r50.py',
    '../_base_/datasets/coco_cpc_patches.py',
    '../_base_/schedules/adam_coslr_800e.py',
    '../_base_/pretrain_runtime.py',
]
