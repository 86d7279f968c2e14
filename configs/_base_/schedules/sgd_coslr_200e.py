# DenseCL / MoCo v2 on ImageNet: SGD lr 0.03 (batch 256), cosine, 200 epochs.
_base_ = './sgd_coslr_800e.py'
optim_wrapper = dict(optimizer=dict(lr=0.03))
param_scheduler = [dict(_base_.param_scheduler[0], T_max=200, end=200)]
train_cfg = dict(max_epochs=200)
