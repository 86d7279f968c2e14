# adam_coslr_800e.py over 200 epochs (ImageNet-1K).
_base_ = './adam_coslr_800e.py'
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=200,
        by_epoch=True,
        begin=0,
        end=200,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=200)
