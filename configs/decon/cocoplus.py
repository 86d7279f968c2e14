# DeCon on COCO+ (train2017 + unlabeled2017).
_base_ = ['./coco.py', '../_base_/datasets/coco_plus.py']
train_dataloader = dict(
    dataset=dict(ann_file='', sources=_base_.coco_plus_sources))
