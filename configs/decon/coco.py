# DeCon (WACV 2026) on COCO train2017: SlotCon + the Mask R-CNN FPN decoder,
# single-level decoder loss on P2, encoder loss weight 0.5, no channel
# dropout (the authors' defaults), ResNet-50, 800 epochs, 8 GPUs x 64.
#   tools/dist_train.sh configs/decon/coco.py 8
# The decoder head is as costly as the paper's (256 -> 4096 -> 4096 -> 256
# per P2 pixel, see docs/dense_methods.md).
_base_ = [
    '../_base_/models/decon_slotcon_r50_fpn.py',
    '../_base_/datasets/coco_slotcon.py',
    '../_base_/schedules/lars_coslr_800e.py',
    '../_base_/pretrain_runtime.py',
]
