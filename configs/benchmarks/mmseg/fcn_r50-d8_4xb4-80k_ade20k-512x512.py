# ADE20K segmentation, SlotCon's and DeCon's protocol: mmseg's FCN R50-D8,
# 80k iterations; a DeCon FCN decoder pre-trained as 512 channels / dilation 1
# (configs/decon/coco_fcn-ade20k.py) loads into `decode_head.convs`.
_base_ = [
    'mmseg::fcn/fcn_r50-d8_4xb4-80k_ade20k-512x512.py', './_ssl_fcn.py'
]
model = _base_.ssl_fcn_model
