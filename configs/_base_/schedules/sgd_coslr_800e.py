# DenseCL on COCO: SGD lr 0.3 (batch 256), momentum 0.9, wd 1e-4, cosine,
# 800 epochs.  The cosine steps once per epoch, as in the official DenseCL
# (mmcv's CosineAnnealing lr hook, by_epoch=True by default), MoCo v2 and
# SimSiam code (adjust_learning_rate once per epoch).
_base_ = './coslr_800e.py'
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.3, weight_decay=1e-4, momentum=0.9))
param_scheduler = [
    dict(_base_.param_scheduler[0], convert_to_iter_based=False)
]
