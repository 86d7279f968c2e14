# Smoke test of the mmseg side: mmseg's FCN R50-D8 (the DenseCL-protocol
# benchmark config: stock PascalVOCDataset, IoUMetric, SyncBN, plain ResNet
# stem, no downloaded weights) on the synthetic VOC12-aug at CPU scale,
# 4 iterations.
_base_ = [
    '../benchmarks/mmseg/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py',
    '../benchmarks/synthetic/_fcn_synthetic.py'
]
model = dict(
    data_preprocessor=dict(size=_base_.small_crop),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(_base_.small_voc12aug_train, batch_size=2)
val_dataloader = _base_.small_voc_val
test_dataloader = val_dataloader
max_iters = 4
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = _base_.small_schedule
default_hooks = dict(_base_.small_hooks, checkpoint=dict(interval=max_iters))
