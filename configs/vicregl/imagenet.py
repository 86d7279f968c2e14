# VICRegL on ImageNet-1k, ResNet-50, alpha 0.75, 100 epochs, 8 GPUs x 64
# (= 512), LARS lr 0.6, fp16: the README's single-node ResNet-50 command
# and main_vicregl.py's defaults (epochs 100, batch 512, alpha 0.75). The
# default of the two released recipes because it is the one the code's
# defaults and a single 8-GPU node run; imagenet_300e.py is the other.
#   tools/dist_train.sh configs/vicregl/imagenet.py 8
_base_ = [
    '../_base_/models/vicregl_r50.py',
    '../_base_/datasets/imagenet_vicregl.py',
    '../_base_/schedules/lars_coslr_vicregl.py',
    '../_base_/pretrain_runtime.py',
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=3))
