# A few iterations for CPU demos: the LARS recipe with lr scaled to batch 8
# (1.0 x 8 / 256), plain fp32, iteration-based, checkpoint every 10.
_base_ = './lars_coslr_800e.py'
optim_wrapper = dict(
    type='OptimWrapper',
    _delete_=True,
    optimizer=dict(type='LARS', lr=0.03, momentum=0.9, weight_decay=1e-5),
    paramwise_cfg=dict(
        custom_keys={
            'bn': dict(decay_mult=0, lars_exclude=True),
            'bias': dict(decay_mult=0, lars_exclude=True),
            'downsample.1': dict(decay_mult=0, lars_exclude=True),
        }))
max_iters = 20
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2)
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters)
