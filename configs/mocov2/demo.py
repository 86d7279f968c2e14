# MoCo v2 on the synthetic COCO+ for CPU: ResNet-18, 64 px MoCo v2 views,
# batch 8, MLP head 512-256-64, queue 32 (< the 48 images; a multiple of
# 8 x 1 or 2 processes), SGD, 20 iterations.
_base_ = [
    '../_base_/models/mocov2_r50.py',
    '../_base_/datasets/synthetic_coco_unlabeled_mocov2.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(
        projector=dict(in_channels=512, hid_channels=256, out_channels=64),
        out_channels=64,
        queue_len=32))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, weight_decay=1e-4, momentum=0.9))
