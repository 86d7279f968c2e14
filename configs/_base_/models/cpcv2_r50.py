# CPC v2 (Henaff et al., ICML 2020) with a BatchNorm ResNet-50 patch encoder
# (the paper uses LayerNorm: configs/cpcv2/coco_ln-4dir.py), the paper's
# context network (5 causal residual blocks of width 256), 64-d targets,
# predictions 3 rows below (steps_to_ignore=2, steps_to_predict=3), scale 0.1.
_base_ = ['./resnet50.py']
model = dict(
    type='CPCv2',
    backbone=_base_.resnet50,
    head=dict(
        type='CPCHead',
        in_channels=2048,
        hid_channels=256,
        num_blocks=5,
        target_channels=64,
        emb_scale=0.1,
        steps_to_ignore=2,
        steps_to_predict=3,
        directions=('down', )))
