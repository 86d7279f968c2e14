# VICRegL (Bardes et al., NeurIPS 2022), ResNet-50. The released values are
# the defaults of VICRegL (no teacher, the backbone transfers) and of
# VICRegLHead (projector 8192-8192-8192, maps projector 512-512-512,
# alpha 0.75, coefficients 25 / 25 / 1, 20 / 4 location matches, grids
# that ignore flips): stated once there, not repeated here.
_base_ = ['./resnet50.py']
model = dict(
    type='VICRegL',
    # resnet.py's zero_init_residual=True (main_vicregl.py)
    backbone=dict(_base_.resnet50, zero_init_residual=True),
    head=dict(type='VICRegLHead', in_channels=2048))
# the whole model is converted to SyncBN (main_vicregl.py)
sync_bn = 'torch'
