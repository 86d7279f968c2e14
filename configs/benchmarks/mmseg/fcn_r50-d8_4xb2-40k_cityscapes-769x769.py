# Cityscapes segmentation, DenseCL's protocol: mmseg's FCN R50-D8, 769x769
# crops, 40k iterations, slide inference.
_base_ = [
    'mmseg::fcn/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py', './_ssl_fcn.py'
]
model = _base_.ssl_fcn_model
