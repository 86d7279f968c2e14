# DetCon-B on ImageNet-1k for 100 epochs (detcon_b_config.py's own default
# and the README's example): warm-up num_epochs // 100 = 1 epoch, then
# cosine over 99.
_base_ = ['./imagenet.py']
param_scheduler = [
    dict(_base_.param_scheduler[0], end=1),
    dict(_base_.param_scheduler[1], T_max=99, begin=1, end=100),
]
train_cfg = dict(max_epochs=100)
