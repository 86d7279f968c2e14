# SlotCon / DeCon recipe: LARS, lr 1.0 x batch / 256 (2.0 at 8 x 64 = 512),
# weight decay 1e-5, 5 linear warm-up epochs then cosine, 800 epochs, fp16.
# BN and bias parameters get neither weight decay nor LARS adaptation.
optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(type='LARS', lr=2.0, momentum=0.9, weight_decay=1e-5),
    paramwise_cfg=dict(
        custom_keys={
            'bn': dict(decay_mult=0, lars_exclude=True),
            'bias': dict(decay_mult=0, lars_exclude=True),
            'downsample.1': dict(decay_mult=0, lars_exclude=True),
        }))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=True,
        begin=0,
        end=5,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=795,
        by_epoch=True,
        begin=5,
        end=800,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)
auto_scale_lr = dict(base_batch_size=512)
