# InstDisc / NPID on COCO train2017, ResNet-50, 8 GPUs x 32 (= 256): the
# paper's ImageNet recipe (SGD lr 0.03, wd 5e-4 as in the official code,
# NPID augmentations, one view) over 800 epochs (DenseCL's COCO length),
# lr x 0.1 at 60 % and 80 %.  The memory bank is sized to the dataset by
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
optim_wrapper = dict(optimizer=dict(weight_decay=5e-4))
custom_hooks = [dict(type='TransferMetaHook'), dict(type='MemoryBankHook')]
