# SlotCon on COCO train2017, ResNet-50, 800 epochs, 8 GPUs x 64 (= 512),
# LARS lr 2.0, fp16: the paper's recipe.
#   tools/dist_train.sh configs/slotcon/coco.py 8
_base_ = [
    '../_base_/models/slotcon_r50.py',
    '../_base_/datasets/coco_slotcon.py',
    '../_base_/schedules/lars_coslr_800e.py',
    '../_base_/pretrain_runtime.py',
]
