# The Cityscapes FCN-D6 benchmark at CPU scale on the synthetic Cityscapes.
_base_ = [
    '../mmseg/fcn-d6_r50-d16_2xb8-90k_cityscapes-769x769.py',
    './_fcn_synthetic.py'
]
data_root = 'data/synthetic/cityscapes/'
model = _base_.small_model
train_cfg = _base_.small_train_cfg
optim_wrapper = _base_.small_optim_wrapper
param_scheduler = _base_.small_schedule
default_hooks = _base_.small_hooks
train_pipeline = _base_.small_train_pipeline
test_pipeline = _base_.small_test_pipeline
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
gpus = 1  # one CPU process (tools/transfer.py)
