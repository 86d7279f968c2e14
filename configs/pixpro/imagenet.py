# PixPro on ImageNet-1k, ResNet-50, 100 epochs, 8 GPUs x 128 (= 1024), LARS
# lr 4.0, fp16: the released recipe (tools/pixpro_base_r50_100ep.sh).
#   tools/dist_train.sh configs/pixpro/imagenet.py 8
_base_ = [
    '../_base_/models/pixpro_r50.py',
    '../_base_/datasets/imagenet_pixpro.py',
    '../_base_/schedules/lars_coslr_100e_pixpro.py',
    '../_base_/pretrain_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
