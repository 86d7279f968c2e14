# PixPro's released recipe (tools/pixpro_base_r50_100ep.sh, main_pretrain.py,
# contrast/lars.py, contrast/lr_scheduler.py): LARS wrapping SGD momentum 0.9
# (1-D parameters without weight decay and adaptation, lr applied after the
# momentum buffer: BarlowTwinsLARS), lr 1.0 x batch / 256 = 4.0 at 8 x 128,
# weight decay 1e-5, 5 linear warm-up epochs from lr / 100
# (warmup_multiplier 100), then cosine to 1e-6, per iteration, 100 epochs,
# apex O1 mixed precision.  Details and lines: docs/fidelity.md.
_base_ = ['./lars_coslr_800e.py']
optim_wrapper = dict(optimizer=dict(lr=4.0))
param_scheduler = [
    dict(_base_.param_scheduler[0]),
    dict(_base_.param_scheduler[1], T_max=95, end=100),
]
train_cfg = dict(max_epochs=100)
auto_scale_lr = dict(base_batch_size=1024)
