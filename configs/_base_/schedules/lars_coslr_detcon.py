# DetCon-B's released recipe (detcon_b_config.py, utils/optimizers.py,
# utils/schedules.py), the BYOL one it builds on: LARS (weight decay before
# the trust ratio, eta 1e-3, momentum 0.9, lr after the momentum buffer;
# biases and norm parameters, i.e. every 1-D parameter, without weight decay
# and adaptation: BarlowTwinsLARS), lr 0.2 x batch / 256 = 3.2 at 4096,
# weight decay 1.5e-6, linear warm-up from 0 over num_epochs // 100 epochs
# (10 of 1000: the config's `warmup_epochs=10` entry is never read), then
# cosine to 0, per iteration; fp32; 1000 epochs (main_loop.py's default).
# Details and lines: docs/fidelity.md.
_base_ = './lars_coslr_1000e_warmup10.py'
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='BarlowTwinsLARS', lr=3.2, momentum=0.9, weight_decay=1.5e-6))
param_scheduler = [
    # from ~0 (mmengine's LinearLR cannot start at exactly 0)
    dict(_base_.param_scheduler[0], start_factor=1e-6),
    dict(_base_.param_scheduler[1], eta_min=0.),
]
