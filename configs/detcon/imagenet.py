# DetCon-B on ImageNet-1k, ResNet-50, 1000 epochs, 4096 images per iteration
# (16 GPUs x 256), LARS lr 3.2, fp32: the released recipe (detcon_b_config.py
# with main_loop.py's default of 1000 epochs; the paper's main setting).
# FH masks first: make_fh_masks.py data/imagenet --folders train
#   tools/dist_train.sh configs/detcon/imagenet.py 16
_base_ = [
    '../_base_/models/detcon_r50.py',
    '../_base_/datasets/imagenet_detcon.py',
    '../_base_/schedules/lars_coslr_detcon.py',
    '../_base_/pretrain_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
