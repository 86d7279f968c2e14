# Cityscapes segmentation, SlotCon's and DeCon's protocol, setting by
# setting: CVMI-Lab/SlotCon transfer/segmentation/configs/cityscapes/
# fcn_d6_r50-d16_769x769_90k_cityscapes_moco.py with its _base_ files
# (models/fcn_r50-d8.py, datasets/cityscapes_769x769_moco.py ->
# cityscapes.py, schedules/schedule_90k_moco.py); the DeCon authors' copy is
# identical. FCN-D6 R50-D16 (see _ssl_fcn.py), align_corners=True; 769x769
# crops of images resized into (2049, 1025) x [0.5, 2], flip, no
# cat_max_ratio, no PhotoMetricDistortion; their mean/std (0.485.../0.229...)
# on 0-255 pixels; SGD lr 0.01, momentum 0.9, wd 1e-4, no warm-up, lr x0.1
# at 63k and 81k, 90k iterations; sliding-window test (769 crops, stride
# 513) at (2049, 1025); mIoU every 9k.
# Batch: 8 per GPU on 2 GPUs = 16 (SlotCon README: "PASCAL VOC and
# Cityscapes with 2 GPUs ... total batch size 16"): launch with 2 GPUs
# (tools/transfer.py --gpus 2).
# Left as the framework does it (not a config setting): mmengine's
# InfiniteSampler instead of mmseg 0.x's per-epoch DistributedSampler.
_base_ = [
    'mmseg::fcn/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py', './_ssl_fcn.py'
]
crop_size = (769, 769)
scale = (2049, 1025)
model = dict(
    _base_.fcn_d6_model,
    data_preprocessor=dict(
        _base_.fcn_d6_model.data_preprocessor, size=crop_size),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(513, 513)))
# mmseg 0.x's Pad (after Normalize, value 0) is the data preprocessor's
# padding to `size` (after normalisation, pad_val=0, seg_pad_val=255).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8, num_workers=4, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    clip_grad=None)
max_iters = 90000
train_cfg = dict(max_iters=max_iters, val_interval=9000)
param_scheduler = [
    dict(
        type='MultiStepLR',
        milestones=[63000, 81000],
        gamma=0.1,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
default_hooks = dict(checkpoint=dict(interval=9000))
# the published total batch (2 GPUs x 8); tools/train.py --auto-scale-lr
# scales the lr from it when run with another total (off by default)
auto_scale_lr = dict(base_batch_size=16)
# the published GPU count (tools/transfer.py launches this many processes)
gpus = 2
