# VICRegL on the synthetic COCO+ for CPU: ResNet-18, 64 px (C5 2 x 2: 2 / 1
# location matches of its 4 cells, the released 20 / 4 of 49 scaled down),
# batch 8, narrow projectors, 20 iterations, LARS at lr 0.3 x 8 / 256.
_base_ = [
    '../_base_/models/vicregl_r50.py',
    '../_base_/datasets/synthetic_vicregl.py',
    '../_base_/schedules/slotcon_demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(
        in_channels=512,
        mlp='256-256-256',
        maps_mlp='64-64-64',
        num_matches=(2, 1)))
optim_wrapper = dict(optimizer=dict(lr=0.0094, weight_decay=1e-6))
