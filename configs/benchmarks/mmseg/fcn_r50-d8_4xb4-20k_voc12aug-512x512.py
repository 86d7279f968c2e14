# VOC12-aug segmentation, DenseCL's protocol: WXinlong/mmsegmentation
# (commit 32b0aff) configs/densecl/fcn_r50-d8_512x512_20k_voc12aug.py with
# configs/densecl/fcn_r50-d8.py, _base_/datasets/pascal_voc12_aug.py and
# _base_/schedules/schedule_20k.py; run on 4 GPUs (DenseCL
# benchmarks/detection/README.md): 4 x 4 = 16. mmseg's FCN R50-D8 (plain
# ResNet stem, DenseCL's `ResNetNormal`), aux head, 512x512 crops,
# PhotoMetricDistortion, cat_max_ratio 0.75, SGD 0.01 / wd 5e-4, poly 0.9 to
# 1e-4, 20k iterations, whole-image test, mIoU every 2k. Two corrections to
# mmseg 1.x's stock translation, so that it equals mmseg 0.x:
# - no `Pad` transform in the train pipeline: mmseg 1.x's VOC base pads raw
#   pixels with 0 before normalisation; mmseg 0.x padded after Normalize
#   with 0, which is what the data preprocessor's padding does;
# - PolyLR end = max_iters + 1: mmengine divides by (end - begin - 1),
#   mmcv's poly by max_iters; this gives mmcv's lr at every iteration.
# A DeCon decoder fits `decode_head.convs` when it was pre-trained as this
# head's convs (configs/decon/coco_fcn-ade20k.py: 512 channels, dilation 1).
_base_ = [
    'mmseg::fcn/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py', './_ssl_fcn.py'
]
model = _base_.ssl_fcn_model
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 512),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=_base_.crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    dataset=dict(datasets=[
        dict(_base_.dataset_train, pipeline=train_pipeline),
        dict(_base_.dataset_aug, pipeline=train_pipeline),
    ]))
max_iters = 20000
param_scheduler = [dict(_base_.mmcv_poly, end=max_iters + 1)]
# the published total batch (4 GPUs x 4); tools/train.py --auto-scale-lr
# scales the lr from it when run with another total (off by default)
auto_scale_lr = dict(base_batch_size=16)
# the published GPU count (tools/transfer.py launches this many processes)
gpus = 4
