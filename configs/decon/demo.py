# DeCon (SlotCon + FPN decoder) on the synthetic COCO+ for CPU: ResNet-18,
# 64 px, batch 8, narrow heads, 20 iterations.
_base_ = [
    '../_base_/models/decon_slotcon_r50_fpn.py',
    '../_base_/datasets/synthetic_slotcon.py',
    '../_base_/schedules/slotcon_demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(
        in_channels=512, num_prototypes=16, hid_channels=256, out_channels=64),
    decoder=dict(in_channels=[64, 128, 256, 512], out_channels=64))
# the probe reads the decoder's P2
custom_hooks = [
    _base_.transfer_meta_hook, _base_.collapse_monitor_hook,
    dict(_base_.dense_probe_hook, level='dec0')
]
