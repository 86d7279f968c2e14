# InstDisc on the synthetic COCO+ for CPU: ResNet-18, 64 px, one view,
# batch 8, 64-d embeddings, 40 negatives drawn from the other 47 entries of
# the bank (the 48 demo images, sized by MemoryBankHook), LARS, 20
# iterations.  With 16 negatives the NCE loss was dominated by which
# negatives each step drew: after its first drop it wandered, in fp32 as in
# bf16, and whether it fell over 14 steps depended on the seed.
_base_ = [
    '../_base_/models/instdisc_r50.py',
    '../_base_/datasets/instance_views_demo.py',
    '../_base_/schedules/demo_cpu.py',
    '../_base_/demo_runtime.py',
]
model = dict(
    backbone=dict(depth=18),
    neck=dict(in_channels=512, out_channels=64),
    memory_bank=dict(dim=64),
    num_negatives=40)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiView', num_views=1, transforms=[_base_.npid_view_64]),
    _base_.instance_pack,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
# LARS at 0.3 (the demo base's optimizer): with SGD the embeddings of the
# synthetic images stay correlated for many more than 20 iterations.
optim_wrapper = dict(optimizer=dict(lr=0.3))
custom_hooks = [*_base_.demo_custom_hooks, dict(type='MemoryBankHook')]
