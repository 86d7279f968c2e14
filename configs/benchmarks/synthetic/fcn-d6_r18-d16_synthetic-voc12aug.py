# The VOC12-aug FCN-D6 benchmark at CPU scale on the synthetic VOC12-aug.
_base_ = [
    '../mmseg/fcn-d6_r50-d16_2xb8-30k_voc12aug-513x513.py',
    './_fcn_synthetic.py'
]
model = _base_.small_model
train_cfg = _base_.small_train_cfg
optim_wrapper = _base_.small_optim_wrapper
param_scheduler = _base_.small_schedule
default_hooks = _base_.small_hooks
train_dataloader = _base_.small_voc12aug_train
val_dataloader = _base_.small_voc_val
test_dataloader = val_dataloader
gpus = 1  # one CPU process (tools/transfer.py)
