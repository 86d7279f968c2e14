# Cosine lr over 800 epochs (the project's COCO length), no warm-up,
# iteration-based decay, lr scaled from batch 256.  The optimizer comes from
# the schedule that inherits this: sgd_coslr_800e.py, adam_coslr_800e.py.
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
