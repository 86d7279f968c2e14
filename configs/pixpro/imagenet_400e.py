# PixPro on ImageNet-1k for 400 epochs (tools/pixpro_base_r50_400ep.sh):
# imagenet.py with the cosine over 395 epochs after the 5 warm-up epochs.
_base_ = ['./imagenet.py']
param_scheduler = [
    dict(_base_.param_scheduler[0]),
    dict(_base_.param_scheduler[1], T_max=395, end=400),
]
train_cfg = dict(max_epochs=400)
