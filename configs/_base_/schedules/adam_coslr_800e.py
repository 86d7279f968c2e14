# Deep InfoMax / CPC v2 on COCO: Adam (DIM's optimiser, lr 1e-4), no weight
# decay, cosine over 800 epochs (the project's COCO length), batch 256.
# A documented choice: docs/mi_position_methods.md.
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4,
                                        weight_decay=0.))
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
