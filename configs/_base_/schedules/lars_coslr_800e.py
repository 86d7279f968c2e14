# SlotCon / DeCon recipe, as the official code runs it: LARS of the Barlow
# Twins kind (SlotCon utils/lars.py: every 1-D parameter without weight decay
# and adaptation, lr applied after momentum), lr 1.0 x batch / 256 (2.0 at
# 8 x 64 = 512), momentum 0.9, weight decay 1e-5, 5 linear warm-up epochs from
# lr / 100 (warmup_multiplier 100), then cosine to 1e-6
# (utils/lr_scheduler.py),
# per iteration, 800 epochs, fp16.  Details and lines: docs/fidelity.md.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(
        type='BarlowTwinsLARS', lr=2.0, momentum=0.9, weight_decay=1e-5))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-2,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=795,
        eta_min=1e-6,
        by_epoch=True,
        begin=5,
        end=800,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)
auto_scale_lr = dict(base_batch_size=512)
