# SimSiam on ImageNet-1K: the paper's recipe, batch 512, SGD lr 0.1
# (0.05 x 512/256), wd 1e-4, cosine, 100 epochs, fixed predictor lr.
_base_ = ['./coco.py']
data_root = 'data/imagenet/'
train_dataloader = dict(
    dataset=dict(
        ann_file='', data_root=data_root, data_prefix=dict(img_path='train/')))
param_scheduler = [
    dict(_base_.param_scheduler[0], T_max=100, end=100),
]
train_cfg = dict(max_epochs=100)
