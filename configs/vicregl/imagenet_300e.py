# VICRegL's second ResNet-50 recipe (README, submitit on 4 nodes x 8 GPUs):
# batch 2048 (32 x 64), lr 0.2 x 2048 / 256 = 1.6, 300 epochs (10 warm-up,
# cosine over 290), alpha 0.75.
#   tools/dist_train.sh configs/vicregl/imagenet_300e.py 32
_base_ = ['./imagenet.py']
optim_wrapper = dict(optimizer=dict(lr=1.6))
param_scheduler = [
    dict(_base_.param_scheduler[0]),
    dict(_base_.param_scheduler[1], T_max=290, end=300),
]
train_cfg = dict(max_epochs=300)
auto_scale_lr = dict(base_batch_size=2048)
