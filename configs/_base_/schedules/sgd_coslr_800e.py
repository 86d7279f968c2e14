# DenseCL on COCO: SGD lr 0.3 (batch 256), momentum 0.9, wd 1e-4, cosine,
# 800 epochs.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.3, weight_decay=1e-4, momentum=0.9))
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=800,
        by_epoch=True,
        begin=0,
        end=800,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=800)
auto_scale_lr = dict(base_batch_size=256)
