# DenseCL on COCO train2017, ResNet-50, 800 epochs, 8 GPUs x 32 (= 256),
# SGD lr 0.3 cosine, MoCo v2 augmentations: the paper's COCO recipe.
#   tools/dist_train.sh configs/densecl/coco.py 8
_base_ = [
    '../_base_/models/densecl_r50.py',
    '../_base_/datasets/coco_mocov2_geometry.py',
    '../_base_/schedules/sgd_coslr_800e.py',
    '../_base_/pretrain_runtime.py',
]
