# configs/densecl/coco.py with the augmentation on the GPU (decode and view
# geometry on the CPU workers): same recipe, same augmentation parameters.
#   tools/dist_train.sh configs/densecl/coco_device-aug.py 8
_base_ = [
    '../_base_/models/densecl_r50.py',
    '../_base_/datasets/coco_mocov2_device_aug.py',
    '../_base_/schedules/sgd_coslr_800e.py',
    '../_base_/default_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
