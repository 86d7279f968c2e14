# BYOL on ImageNet-1K: the paper's recipe, batch 4096, LARS lr 3.2,
# wd 1.5e-6, 10 warm-up epochs, cosine, 1000 epochs.
_base_ = ['./coco.py']
data_root = 'data/imagenet/'
train_dataloader = dict(
    dataset=dict(
        ann_file='', data_root=data_root, data_prefix=dict(img_path='train/')))
param_scheduler = [
    dict(_base_.param_scheduler[0]),
    dict(_base_.param_scheduler[1], T_max=990, end=1000),
]
train_cfg = dict(max_epochs=1000)
