# SimCLR on ImageNet-1K: the paper's recipe, batch 4096, LARS lr 4.8,
# wd 1e-6, 10 warm-up epochs, cosine, 1000 epochs, t 0.1.
_base_ = ['./coco.py', '../_base_/datasets/imagenet_train.py']
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
param_scheduler = _base_.param_scheduler_1000e
train_cfg = dict(max_epochs=1000)
