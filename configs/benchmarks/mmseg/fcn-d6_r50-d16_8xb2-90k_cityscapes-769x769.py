# Cityscapes segmentation, SlotCon's and DeCon's protocol: FCN-D6 R50-D16,
# 769x769 crops, batch 16 (8 x 2), 90k iterations, slide inference.
_base_ = [
    'mmseg::fcn/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py', './_ssl_fcn.py'
]
model = _base_.fcn_d6_model
train_dataloader = dict(batch_size=2)
max_iters = 90000
train_cfg = dict(max_iters=max_iters, val_interval=9000)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=9000))
