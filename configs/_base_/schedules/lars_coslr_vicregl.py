# VICRegL's ResNet-50 recipe (README: --optimizer lars --base-lr 0.3
# --batch-size 512 --epochs 100 --fp16; optimizers.py, utils.py): LARS with
# weight decay 1e-6 (hard-coded in build_optimizer), eta 1e-3, momentum 0.9,
# every 1-D parameter without weight decay and adaptation, lr after the
# momentum buffer (BarlowTwinsLARS); lr 0.3 x 512 / 256 = 0.6, linear
# warm-up from 0 over 10 epochs, then cosine to 0.001 x lr, per step; fp16.
# Details and lines: docs/fidelity.md.
_base_ = './lars_coslr_800e.py'
optim_wrapper = dict(optimizer=dict(lr=0.6, weight_decay=1e-6))
param_scheduler = [
    # from ~0 (mmengine's LinearLR cannot start at exactly 0)
    dict(_base_.param_scheduler[0], start_factor=1e-6, end=10),
    dict(
        type='CosineAnnealingLR',
        T_max=90,
        eta_min_ratio=1e-3,
        by_epoch=True,
        begin=10,
        end=100,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=100)
auto_scale_lr = dict(base_batch_size=512)
