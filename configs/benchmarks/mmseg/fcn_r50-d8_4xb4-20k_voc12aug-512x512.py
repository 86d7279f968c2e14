# VOC12-aug segmentation, DenseCL's protocol: mmseg's FCN R50-D8, 512x512,
# 20k iterations, batch 16. A DeCon decoder fits `decode_head.convs` when it
# was pre-trained as this head's convs (configs/decon/coco_fcn-ade20k.py:
# 512 channels, dilation 1).
_base_ = [
    'mmseg::fcn/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py', './_ssl_fcn.py'
]
model = _base_.ssl_fcn_model
