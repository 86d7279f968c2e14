# DenseCL (Wang et al., CVPR 2021), ResNet-50; facts in docs/fidelity.md.
# The paper's values are the defaults of DenseCL (teacher momentum 0.999
# constant, shuffle-BN, the student transfers, OpenSelfSup's fan-in ResNet
# init) and of DenseCLHead (2048-2048-128 projector, queue 65536, t 0.2,
# lambda 0.5, no dense warm-up): stated once there, not repeated here.
_base_ = ['./resnet50.py']
model = dict(
    type='DenseCL',
    backbone=_base_.resnet50,
    head=dict(type='DenseCLHead', in_channels=2048))
