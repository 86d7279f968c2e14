# InstDisc / NPID on ImageNet-1K: the official recipe (lemniscate main.py),
# batch 256, SGD lr 0.03, momentum 0.9, wd 1e-4, 200 epochs, lr x 0.1 at 120
# and x 0.01 from 160, NCE with 4096 negatives, t 0.07, bank momentum 0.5.
# (wd 5e-4 and 'x 0.1 from epoch 80, every 40' are its CIFAR script's.)
_base_ = ['./coco.py', '../_base_/datasets/imagenet_train.py']
data_root = _base_.imagenet_train.data_root
train_dataloader = dict(dataset=_base_.imagenet_train)
param_scheduler = [dict(_base_.param_scheduler[0], milestones=[120, 160])]
train_cfg = dict(max_epochs=200)
