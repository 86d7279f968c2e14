# Deep InfoMax on the synthetic COCO+ for CPU: ResNet-18, one 64 px view,
# batch 8, 64-d embeddings, Adam 1e-3, 30 iterations.
_base_ = [
    '../_base_/models/dim_r50.py',
    '../_base_/datasets/synthetic_coco_unlabeled_mocov2.py',
    '../_base_/schedules/adam_demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    head=dict(
        local_channels=512,
        global_channels=512,
        hid_channels=128,
        out_channels=64))
train_pipeline = [
    dict(type='LoadImageFromFile'), *_base_.view_pipeline,
    dict(type='PackInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
custom_hooks = [
    _base_.transfer_meta_hook,
    dict(_base_.collapse_monitor_hook, module='local_net'),
    _base_.dense_probe_hook,
]
