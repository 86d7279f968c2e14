# lars_coslr_1000e_warmup10.py over 800 epochs (DenseCL's COCO length):
# 10 linear warm-up epochs, then cosine over 790.  The 1000-epoch original
# stays as `param_scheduler_1000e` for the ImageNet configs.
_base_ = './lars_coslr_1000e_warmup10.py'
param_scheduler_1000e = _base_.param_scheduler
param_scheduler = [
    dict(_base_.param_scheduler[0]),
    dict(_base_.param_scheduler[1], T_max=790, end=800),
]
train_cfg = dict(max_epochs=800)
