# CPC v2 on the synthetic COCO+ for CPU: ResNet-18, a 48 px crop cut into
# 5 x 5 patches of 16 px at stride 8 (predictions 3 rows ahead, as in the
# paper), narrow context network, batch 8, Adam 1e-3, 30 iterations.
_base_ = [
    '../_base_/models/cpcv2_r50.py',
    '../_base_/datasets/coco_cpc_patches.py',
    '../_base_/datasets/synthetic_coco_plus_loader.py',
    '../_base_/schedules/adam_demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(in_channels=512, hid_channels=64, target_channels=32))
train_pipeline = [
    _base_.train_pipeline[0],
    dict(_base_.train_pipeline[1], scale=48),
    _base_.train_pipeline[2],
    dict(_base_.patch_grid, patch_size=16, stride=8),
    _base_.train_pipeline[4],
]
train_dataloader = dict(
    _base_.synthetic_loader,
    dataset=dict(_base_.synthetic_loader['dataset'], pipeline=train_pipeline))
custom_hooks = [_base_.transfer_meta_hook, _base_.dense_probe_hook]
