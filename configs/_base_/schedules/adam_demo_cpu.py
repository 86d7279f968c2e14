# A few iterations for the CPU demos of DIM / CPC / context prediction:
# Adam lr 1e-3, two warm-up iterations, then constant; 30 iterations.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
max_iters = 30
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
