# SimSiam (Chen & He, CVPR 2021): mmpretrain's SimSiam unchanged.
# Projector 3 layers 2048 with BN (last BN without affine), predictor
# 2048-512-2048, symmetric negative cosine with stop-gradient.
_base_ = ['./resnet50_global_bn.py']
model = dict(
    type='SimSiam',
    backbone=_base_.resnet50_global_bn,
    neck=dict(
        type='NonLinearNeck',
        in_channels=2048,
        hid_channels=2048,
        out_channels=2048,
        num_layers=3,
        with_last_bn_affine=False,
        with_avg_pool=True),
    head=dict(
        type='LatentPredictHead',
        loss=dict(type='CosineSimilarityLoss'),
        predictor=dict(
            type='NonLinearNeck',
            in_channels=2048,
            hid_channels=512,
            out_channels=2048,
            with_avg_pool=False,
            with_last_bn=False,
            with_last_bias=True)))
# SimSiam's fixed predictor lr: the optimizer's paramwise_cfg keeps the
# predictor's group out of the schedule and SimSiamHook resets it to the
# config's `lr` before every iteration (right under epoch-based schedules,
# as the paper configs' cosine, and iteration-based ones, as the demos').
# Configs use `dict(simsiam_hook, lr=lr)` next to their other hooks.
simsiam_fixed_pred_lr = dict(custom_keys={'predictor': dict(fix_lr=True)})
simsiam_hook = dict(
    type='SimSiamHook',
    priority='HIGH',
    fix_pred_lr=True,
    adjust_by_epoch=False)
