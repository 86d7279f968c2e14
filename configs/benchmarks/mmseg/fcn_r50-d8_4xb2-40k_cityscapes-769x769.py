# Cityscapes segmentation, DenseCL's protocol: WXinlong/mmsegmentation
# (commit 32b0aff) configs/densecl/fcn_r50-d8_769x769_40k_cityscapes.py with
# configs/densecl/fcn_r50-d8.py, _base_/datasets/cityscapes_769x769.py and
# _base_/schedules/schedule_40k.py; run on 4 GPUs (DenseCL
# benchmarks/detection/README.md): 4 x 2 = 8. mmseg's FCN R50-D8 (plain
# ResNet stem, DenseCL's `ResNetNormal`), aux head, align_corners=True,
# 769x769 crops, PhotoMetricDistortion, cat_max_ratio 0.75, SGD 0.01 /
# wd 5e-4, poly 0.9 to 1e-4, 40k iterations, sliding-window test (769,
# stride 513), mIoU every 4k. One correction to mmseg 1.x's stock
# translation: PolyLR end = max_iters + 1 (mmengine divides by
# end - begin - 1, mmcv's poly by max_iters), so the lr equals mmcv's.
_base_ = [
    'mmseg::fcn/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py', './_ssl_fcn.py'
]
model = _base_.ssl_fcn_model
max_iters = 40000
param_scheduler = [dict(_base_.mmcv_poly, end=max_iters + 1)]
# the published total batch (4 GPUs x 2); tools/train.py --auto-scale-lr
# scales the lr from it when run with another total (off by default)
auto_scale_lr = dict(base_batch_size=8)
# the published GPU count (tools/transfer.py launches this many processes)
gpus = 4
