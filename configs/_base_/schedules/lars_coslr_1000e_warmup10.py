# SimCLR / BYOL on ImageNet: batch 4096, LARS as the official code runs it
# (BarlowTwinsLARS: momentum 0.9, eta 0.001, trust ratio on the decayed
# gradient, BN and bias parameters without weight decay and adaptation; the
# lr inside the momentum buffer for SimCLR, after it for BYOL), 10 linear
# warm-up epochs then cosine, 1000 epochs, mixed precision.  SimCLR: lr 0.3 x
# B/256
# = 4.8, wd 1e-6 (set here); BYOL overrides lr 0.2 x B/256 = 3.2, wd 1.5e-6.
_base_ = './lars_coslr_800e.py'
optim_wrapper = dict(
    optimizer=dict(
        type='BarlowTwinsLARS',
        lr=4.8,
        momentum=0.9,
        weight_decay=1e-6,
        lr_in_momentum=True))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-4,
        by_epoch=True,
        begin=0,
        end=10,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=990,
        by_epoch=True,
        begin=10,
        end=1000,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=1000)
auto_scale_lr = dict(base_batch_size=4096)
