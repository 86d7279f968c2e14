# MoCo v2 on COCO train2017, ResNet-50, 8 GPUs x 32 (= 256), SGD lr 0.3
# cosine, 800 epochs, MoCo v2 augmentations: DenseCL's COCO recipe for its
# MoCo v2 baseline (same queue class as DenseCL).
#   tools/dist_train.sh configs/mocov2/coco.py 8
_base_ = [
    '../_base_/models/mocov2_r50.py',
    '../_base_/datasets/coco_mocov2_geometry.py',
    '../_base_/schedules/sgd_coslr_800e.py',
    '../_base_/pretrain_runtime.py',
]
