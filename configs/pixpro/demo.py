# PixPro on the synthetic COCO+ for CPU: ResNet-18, 64 px (C5 2 x 2), batch
# 8, narrow heads, 20 iterations, PixPro's LARS at lr 1.0 x 8 / 256.
_base_ = [
    '../_base_/models/pixpro_r50.py',
    '../_base_/datasets/synthetic_pixpro.py',
    '../_base_/schedules/slotcon_demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(in_channels=512, hid_channels=256, out_channels=64))
