# SlotCon on the synthetic COCO+ for CPU: ResNet-18, 64 px, batch 8,
# 16 prototypes, narrow heads, 20 iterations.
_base_ = [
    '../_base_/models/slotcon_r50.py',
    '../_base_/datasets/synthetic_slotcon.py',
    '../_base_/schedules/slotcon_demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(
        in_channels=512, num_prototypes=16, hid_channels=256, out_channels=64))
