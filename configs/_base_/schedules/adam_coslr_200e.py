# adam_coslr_800e.py over 200 epochs (ImageNet-1K).
_base_ = './adam_coslr_800e.py'
param_scheduler = [dict(_base_.param_scheduler[0], T_max=200, end=200)]
train_cfg = dict(max_epochs=200)
