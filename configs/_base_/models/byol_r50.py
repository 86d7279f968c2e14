# BYOL (Grill et al., NeurIPS 2020): mmpretrain's BYOL unchanged.
# Projector and predictor 4096-256, target EMA cosine from 0.996 to 1:
# mmpretrain's CosineEMA takes 1 - m, so base_momentum=0.004 is the paper's
# 0.996 (mmpretrain's own config uses 0.01, i.e. 0.99).
_base_ = ['./resnet50.py']
model = dict(
    type='BYOL',
    base_momentum=0.004,
    backbone=dict(_base_.resnet50, norm_cfg=dict(type='SyncBN')),
    neck=dict(
        type='NonLinearNeck',
        in_channels=2048,
        hid_channels=4096,
        out_channels=256,
        num_layers=2,
        with_bias=True,
        with_last_bn=False,
        with_avg_pool=True),
    head=dict(
        type='LatentPredictHead',
        predictor=dict(
            type='NonLinearNeck',
            in_channels=256,
            hid_channels=4096,
            out_channels=256,
            num_layers=2,
            with_bias=True,
            with_last_bn=False,
            with_avg_pool=False),
        loss=dict(type='CosineSimilarityLoss')))
