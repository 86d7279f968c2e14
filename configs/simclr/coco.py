# SimCLR on COCO train2017, ResNet-50 (SyncBN), 16 GPUs x 256 (= 4096):
# the paper's ImageNet recipe (LARS lr 0.3 x 4096/256 = 4.8, wd 1e-6,
# 10 warm-up epochs, cosine, t 0.1, SimCLR augmentations) over 800 epochs
# (DenseCL's COCO length).
#   tools/dist_train.sh configs/simclr/coco.py 16
_base_ = [
    '../_base_/models/simclr_r50.py',
    '../_base_/datasets/coco_mocov2_geometry.py',
    '../_base_/datasets/instance_views.py',
    '../_base_/schedules/lars_coslr_800e_warmup10.py',
    '../_base_/pretrain_runtime.py',
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=2, transforms=[_base_.simclr_view]),
    _base_.instance_pack,
]
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))
