# DetCon-B on the synthetic COCO+ for CPU: ResNet-18, 64 px (C5 2 x 2),
# batch 8, narrow heads, 20 iterations, LARS at lr 0.2 x 8 / 256.  Needs the
# FH masks (configs/_base_/datasets/synthetic_detcon.py).
_base_ = [
    '../_base_/models/detcon_r50.py',
    '../_base_/datasets/synthetic_detcon.py',
    '../_base_/schedules/slotcon_demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(in_channels=512, hid_channels=256, out_channels=64))
optim_wrapper = dict(optimizer=dict(lr=0.00625, weight_decay=1.5e-6))
