# SimSiam on the synthetic COCO+ for CPU: ResNet-18 (BN: one process),
# 64 px MoCo v2 views, batch 8, projector 256, predictor 256-64-256, SGD
# lr 0.05 with the predictor's lr fixed (SimSiamHook), 20 iterations.
_base_ = [
    '../_base_/models/simsiam_r50.py',
    '../_base_/datasets/synthetic_coco_unlabeled_mocov2.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18, norm_cfg=dict(type='BN')),
    neck=dict(in_channels=512, hid_channels=256, out_channels=256),
    head=dict(
        predictor=dict(in_channels=256, hid_channels=64, out_channels=256)))
lr = 0.05
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=lr, weight_decay=1e-4, momentum=0.9),
    paramwise_cfg=_base_.simsiam_fixed_pred_lr)
custom_hooks = [*_base_.demo_custom_hooks, dict(_base_.simsiam_hook, lr=lr)]
