# Context prediction / relative patch location (Doersch et al., ICCV 2015),
# ResNet-50 patch encoder (pooled C5 in place of AlexNet's fc6), fc7 / fc8 of
# 4096 on the concatenated pair, 8-way classifier.
_base_ = ['./resnet50.py']
model = dict(
    type='ContextPrediction',
    backbone=_base_.resnet50,
    head=dict(
        type='PatchPairHead',
        in_channels=2048,
        hid_channels=(4096, 4096),
        num_classes=8))
