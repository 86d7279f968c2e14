# SlotCon on ImageNet-1K (K = 2048 prototypes), ResNet-50, 8 x 64, 100 epochs
# (the paper's main ImageNet schedule).
_base_ = [
    '../_base_/models/slotcon_r50.py',
    '../_base_/datasets/imagenet_slotcon.py',
    '../_base_/schedules/lars_coslr_800e.py',
    '../_base_/default_runtime.py',
]
model = dict(head=dict(num_prototypes=2048))
# lars_coslr_800e.py's 5 warm-up epochs, then cosine over 95
param_scheduler = [
    dict(_base_.param_scheduler[0]),
    dict(_base_.param_scheduler[1], T_max=95, end=100),
]
train_cfg = dict(max_epochs=100)
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=3))
