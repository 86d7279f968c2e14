# PixPro (Xie et al., CVPR 2021), ResNet-50.  The released scripts' values
# (tools/pixpro_base_r50_100ep.sh) are the defaults of PixPro (teacher
# momentum cosine from 0.99, no shuffle-BN, the student transfers) and of
# PixProHead (4096-wide MLP2d projector to 256, gamma 2, one transform conv,
# pos-ratio 0.7, instance branch off): stated once there, not repeated here.
_base_ = ['./resnet50.py']
model = dict(
    type='PixPro',
    # zero-gamma: PixPro's contrast/resnet.py zero-initialises each residual
    # block's last BN ("bag of tricks")
    backbone=dict(_base_.resnet50, zero_init_residual=True),
    head=dict(type='PixProHead', in_channels=2048))
# the official code converts encoders and projectors to SyncBN
sync_bn = 'torch'
