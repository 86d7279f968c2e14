# Context prediction on COCO train2017, ResNet-50, 8 x 32, SGD lr 0.03
# (batch 256) cosine, 800 epochs (documented choices; the paper trained an
# AlexNet-style network with SGD in Caffe).
#   tools/dist_train.sh configs/relative_loc/coco.py 8
_base_ = [
    '../_base_/models/relative_loc_r50.py',
    '../_base_/datasets/coco_relative_loc.py',
    '../_base_/schedules/sgd_coslr_800e.py',
    '../_base_/pretrain_runtime.py',
]
optim_wrapper = dict(optimizer=dict(lr=0.03))
