# SimCLR / SimSiam's encoder: resnet50.py with global BN over all processes
# (SyncBN) and each residual block's last BN initialised to zero.
_base_ = ['./resnet50.py']
resnet50_global_bn = dict(
    _base_.resnet50, norm_cfg=dict(type='SyncBN'), zero_init_residual=True)
