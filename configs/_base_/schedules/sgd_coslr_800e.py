# DenseCL on COCO: SGD lr 0.3 (batch 256), momentum 0.9, wd 1e-4, cosine,
# 800 epochs.
_base_ = './coslr_800e.py'
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.3, weight_decay=1e-4, momentum=0.9))
