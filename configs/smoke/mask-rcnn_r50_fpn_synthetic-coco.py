# Smoke test of the mmdet side: the COCO Mask R-CNN R50-FPN benchmark config
# (mmdet's own model, stock CocoDataset with 80 classes, CocoMetric bbox +
# segm, plain randomly initialised ResNet-50, no downloaded weights) on
# the synthetic COCO at CPU scale, 4 iterations.
_base_ = '../benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py'
c = 256
model = dict(
    backbone=dict(depth=50),
    neck=dict(in_channels=[256, 512, 1024, 2048], out_channels=c),
    rpn_head=dict(in_channels=c, feat_channels=c),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=c),
        bbox_head=dict(in_channels=c, conv_out_channels=c),
        mask_roi_extractor=dict(out_channels=c),
        mask_head=dict(in_channels=c, conv_out_channels=c)))
train_dataloader = dict(batch_size=2)
max_iters = 4
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=max_iters))
