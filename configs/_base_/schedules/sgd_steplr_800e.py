# sgd_steplr_200e.py over 800 epochs (DenseCL's COCO length): lr x 0.1 at
# 60 % and 80 % (epochs 480 and 640), as 120 and 160 of 200.
_base_ = './sgd_steplr_200e.py'
param_scheduler = [dict(_base_.param_scheduler[0], milestones=[480, 640])]
train_cfg = dict(max_epochs=800)
