# Context prediction on the synthetic COCO+ (160 x 120 images) for CPU:
# ResNet-18, 16 px patches 8 px apart with 2 px jitter, colour-channel
# dropping, one 256-wide hidden layer, batch 8, Adam 1e-3, 40 iterations.
_base_ = [
    '../_base_/models/relative_loc_r50.py',
    '../_base_/datasets/coco_relative_loc.py',
    '../_base_/datasets/synthetic_coco_plus_loader.py',
    '../_base_/schedules/adam_demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18), head=dict(in_channels=512, hid_channels=(256, )))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(_base_.pair_sampler, patch_size=16, gap=8, jitter=2),
    _base_.train_pipeline[-1],
]
train_dataloader = dict(
    _base_.synthetic_loader,
    dataset=dict(_base_.synthetic_loader['dataset'], pipeline=train_pipeline))
train_cfg = dict(max_iters=40)
custom_hooks = [_base_.transfer_meta_hook, _base_.dense_probe_hook]
# The patch pairs' 16 px patches reach C5 as 1x1 maps; without clipping, an
# early Adam step can blow the weights up (seen under bf16 autocast).
optim_wrapper = dict(clip_grad=dict(max_norm=5.0))
