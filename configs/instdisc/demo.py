# InstDisc on the synthetic COCO+ for CPU: ResNet-18, 64 px, one view,
# batch 8, 64-d embeddings, 16 negatives (the bank holds the 48 demo
# images, sized by MemoryBankHook), SGD, 20 iterations.
_base_ = [
    '../_base_/models/instdisc_r50.py',
    '../_base_/datasets/synthetic_coco_unlabeled_mocov2.py',
    '../_base_/datasets/instance_views.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/default_runtime.py',
    '../_base_/demo_signals.py',
]
model = dict(
    backbone=dict(depth=18),
    neck=dict(in_channels=512, out_channels=64),
    memory_bank=dict(dim=64),
    num_negatives=16)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiView',
        num_views=1,
        transforms=[[dict(_base_.npid_view[0], scale=64),
                     *_base_.npid_view[1:]]]),
    _base_.instance_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, weight_decay=1e-4, momentum=0.9))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=5),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=10, max_keep_ckpts=2))
custom_hooks = [*_base_.demo_custom_hooks, dict(type='MemoryBankHook')]
