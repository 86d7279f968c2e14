# BYOL on COCO train2017, ResNet-50 (SyncBN), 16 GPUs x 256 (= 4096): the
# paper's ImageNet recipe (LARS lr 0.2 x 4096/256 = 3.2, wd 1.5e-6, 10
# warm-up epochs, cosine; target EMA cosine 0.996 -> 1; asymmetric views)
# over 800 epochs (DenseCL's COCO length).
#   tools/dist_train.sh configs/byol/coco.py 16
_base_ = [
    '../_base_/models/byol_r50.py',
    '../_base_/datasets/coco_mocov2_geometry.py',
    '../_base_/datasets/instance_views.py',
    '../_base_/schedules/lars_coslr_800e_warmup10.py',
    '../_base_/pretrain_runtime.py',
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiView',
        num_views=[1, 1],
        transforms=[_base_.byol_view1, _base_.byol_view2]),
    _base_.instance_pack,
]
train_dataloader = dict(batch_size=256, dataset=dict(pipeline=train_pipeline))
# BYOL's optax chain applies the lr after the LARS momentum trace
optim_wrapper = dict(
    optimizer=dict(lr=3.2, weight_decay=1.5e-6, lr_in_momentum=False))
