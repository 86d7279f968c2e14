# SimSiam on ImageNet-1K: the paper's recipe, batch 512, SGD lr 0.1
# (0.05 x 512/256), wd 1e-4, cosine, 100 epochs, fixed predictor lr.
_base_ = ['./coco.py', '../_base_/datasets/imagenet_train.py']
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=100, end=100),
]
train_cfg = dict(max_epochs=100)
