# SlotCon on ImageNet-1K (K = 2048 prototypes), ResNet-50, 8 x 64, 100 epochs
# (the paper's main ImageNet schedule).
_base_ = [
    '../_base_/models/slotcon_r50.py',
    '../_base_/datasets/imagenet_slotcon.py',
    '../_base_/schedules/lars_coslr_800e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_prototypes=2048))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=95,
        by_epoch=True,
        begin=5,
        end=100,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=100)
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
