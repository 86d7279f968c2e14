# InstDisc / MoCo v1 on ImageNet: SGD lr 0.03 (batch 256), momentum 0.9,
# wd 1e-4, 200 epochs, lr x 0.1 at epochs 120 and 160.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.03, weight_decay=1e-4, momentum=0.9))
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[120, 160], gamma=0.1)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=200)
auto_scale_lr = dict(base_batch_size=256)
