# A few iterations for the CPU demos of DIM / CPC / context prediction:
# Adam lr 1e-3, two warm-up iterations, then constant; 30 iterations.
# Gradients clipped at norm 5: the small patches reach C5 as 1x1 maps, and
# without clipping an early step could blow the weights up under bf16
# autocast (seen in the patch-pair and CPC demos).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='Adam', lr=1e-3),
    clip_grad=dict(max_norm=5.0))
max_iters = 30
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=2)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
