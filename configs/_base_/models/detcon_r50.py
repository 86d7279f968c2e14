# DetCon-B (Hénaff et al., ICCV 2021), ResNet-50. The released values are
# the defaults of DetCon (target momentum cosine from 0.996, no shuffle-BN,
# the online network transfers, Haiku's conv init) and of DetConHead (MLPs
# 4096 -> 256, 16 masks per view, temperature 0.1): stated once there.
_base_ = ['./resnet50.py']
model = dict(
    type='DetCon',
    # Haiku's ResNet v1 zero-initialises each block's last BN scale
    backbone=dict(_base_.resnet50, zero_init_residual=True),
    head=dict(type='DetConHead', in_channels=2048))
# cross-replica BN everywhere (norm_config cross_replica_axis='i')
sync_bn = 'torch'
