# SimCLR (Chen et al., ICML 2020), ResNet-50 with SyncBN (global BN):
# projector 2048-2048-128 (BN, ReLU), NT-Xent t 0.1 over all 2N views
# (mmdense's SimCLR: mmpretrain's with an exact cross-process gradient).
_base_ = ['./resnet50_global_bn.py']
model = dict(
    type='SimCLR',
    backbone=_base_.resnet50_global_bn,
    neck=dict(
        type='NonLinearNeck',
        in_channels=2048,
        hid_channels=2048,
        out_channels=128,
        num_layers=2,
        with_avg_pool=True),
    head=dict(
        type='ContrastiveHead',
        loss=dict(type='CrossEntropyLoss'),
        temperature=0.1))
