# InstDisc / NPID on COCO train2017, ResNet-50, 8 GPUs x 32 (= 256): the
# official ImageNet recipe (lemniscate main.py: SGD lr 0.03, momentum 0.9,
# wd 1e-4, NPID augmentations, one view) over 800 epochs (DenseCL's COCO
# length, our choice: the paper has no COCO run), lr x 0.1 at 60 % and 80 %
# (as 120 and 160 of its 200 epochs).  The memory bank is sized to the dataset
# by
# MemoryBankHook.
#   tools/dist_train.sh configs/instdisc/coco.py 8
_base_ = [
    '../_base_/models/instdisc_r50.py',
    '../_base_/datasets/coco_mocov2_geometry.py',
    '../_base_/datasets/instance_views.py',
    '../_base_/schedules/sgd_steplr_800e.py',
    '../_base_/pretrain_runtime.py',
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=1, transforms=[_base_.npid_view]),
    _base_.instance_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
custom_hooks = [dict(type='TransferMetaHook'), dict(type='MemoryBankHook')]
