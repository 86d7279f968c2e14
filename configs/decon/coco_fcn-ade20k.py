# DeCon with the ADE20K FCN decoder (fcn_r50-d8: 512 channels, dilation 1).
_base_ = './coco_fcn.py'
model = dict(decoder=dict(channels=512, dilation=1))
