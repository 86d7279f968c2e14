# VOC detection, MoCo's protocol as published: Faster R-CNN R50-C4 fine-tuned
# on VOC07+12 trainval for 24k iterations (8 GPUs x 2 images), tested on
# VOC07 test with detectron2's VOC07 evaluator (11-point AP at IoU
# 0.50:0.05:0.95 -> AP, AP50, AP75).  The VOC numbers of MoCo v1/v2
# (facebookresearch/moco detection/README.md, configs/
# pascal_voc_R_50_C4_24k_moco.yaml) and DenseCL (WXinlong/DenseCL
# benchmarks/detection/configs/pascal_voc_R_50_C4_24k_moco.yaml) were
# produced with this protocol; tests/test_configs/test_det_protocols.py checks
# every setting against those files and detectron2's defaults.
#   python tools/train.py THIS --cfg-options pretrained=EXPORT.pth
# In C4, res5 is `roi_head.shared_head.layer4`: the loader maps the
# pre-trained `backbone.layer4.*` there; the extra norm after res5
# (`roi_head.shared_head.norm`, MoCo's Res5ROIHeadsExtraNorm) is new.
#
# Same as the source: ResNet-50 pytorch-style (STRIDE_IN_1X1 False), plain
# stem, nothing frozen (FREEZE_AT 0), SyncBN in backbone and res5 + the extra
# norm, RGB input with the pre-training mean / std; RPN on res4 with anchors
# 32-512 x (0.5, 1, 2), offset 0, 256 anchors / image at 1/2 positive, IoU
# 0.3 / 0.7 with low-quality matches at any IoU, proposals 12000 -> 2000
# (train) and 6000 -> 1000 (test), NMS 0.7; ROIAlign(v2) 14 x 14, res5,
# average pool, class-specific box regression with weights (10, 10, 5, 5) and
# L1 loss; 512 ROIs / image at 1/4 positive (IoU 0.5), ground truth added to
# the proposals; score 0.05, NMS 0.5, 100 boxes per image; multi-scale
# training with the short side drawn from 480:32:800, long side <= 1333,
# horizontal flip, test at 800 / 1333, PIL decoding and bilinear resize, no
# padding to a multiple (C4 backbone: size_divisibility 0); aspect-ratio
# grouping, infinite shuffled sampler; SGD momentum 0.9, lr 0.02, weight decay
# 1e-4 and none on norm layers (WEIGHT_DECAY_NORM 0), linear warm-up over 100
# iterations from 0.001, x0.1 at 18k and 22k, 24k iterations; precise BN (200
# batches) after the last iteration, then the evaluation (EVAL_PERIOD 0) with
# detectron2's VOC07 evaluator (Detectron2VOCMetric: IoU > threshold, +1
# pixel convention, 11-point AP; mmdet's VOCMetric counts IoU == threshold
# as a match).
#
# Differences, with the reason:
# - SyncBN (torch.nn.SyncBatchNorm).  DenseCL's config says "SyncBN", MoCo's
#   "naiveSyncBN" (detectron2's NaiveSyncBatchNorm: per-GPU moments averaged
#   with equal weights); they agree when every GPU normalises the same number
#   of elements (the ROI head: 2 x 512 ROIs per GPU), the backbone differs
#   slightly when the padded batch sizes of the GPUs differ.  mmdet has no
#   naive variant.
# - Difficult objects: detectron2 trains on them as ordinary boxes
#   (data/datasets/pascal_voc.py:57-61); mmdet's VOCDataset flags them
#   ignored, and PackDetInputs moves them out of the ground truth, so they
#   are background here.  Both ignore them in the evaluation.  Taking them in
#   needs a transform that clears `gt_ignore_flags` (not in mmdet).
# - Box convention: detectron2's ground truth is [xmin-1, ymin-1, xmax, ymax]
#   (pascal_voc.py:64-69), mmdet's [xmin-1, ymin-1, xmax-1, ymax-1]
#   (xml_style.py), so training targets are one pixel narrower; the
#   evaluation takes each convention back to the XML's pixels, so the AP is
#   computed alike.
# - Anchors lying over another image's batch padding: detectron2 labels them
#   like all others (negatives); mmdet's AnchorHead marks them invalid (valid
#   flags from each image's own pad_shape).  No mmdet option; a few
#   negatives fewer to sample from.
# - The metric reports values in [0, 1] (detectron2 prints them x 100).
# The new layers start as in detectron2 (RPN / predictors normal std 0.01 /
# 0.001 with zero bias, extra norm weight 1 and bias 0).
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50-caffe-c4_ms-18k_voc0712.py'

# GPUs of the published runs (moco detection/README.md:21-22, --num-gpus 8),
# 2 images each
gpus = 8
pretrained = None
load_decoder = False  # C4 has no decoder to take
custom_hooks = [
    dict(
        type='mmdense.engine.LoadPretrainedHook',
        groups=['backbone', 'roi_head.shared_head.layer4'],
        key_map={'backbone.layer4.': 'roi_head.shared_head.layer4.'}),
    # TEST.PRECISE_BN (ENABLED, NUM_ITER 200); mmpretrain's PreciseBNHook
    # runs mmdet's 'tensor' forward (test proposals in the ROI head), see
    # mmdense/engine/hooks/det_precise_bn_hook.py
    dict(
        type='mmdense.engine.hooks.DetPreciseBNHook',
        num_iters=200,
        interval=0)
]

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=1),
    backbone=dict(
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        init_cfg=None),
    roi_head=dict(
        shared_head=dict(
            type='mmdense.models.necks.ResLayerExtraNorm',
            norm_cfg=norm_cfg,
            norm_eval=False,
            style='pytorch',
            init_cfg=None)),
    # detectron2's RPN Matcher(allow_low_quality_matches=True) has no minimum
    # IoU for the best anchor of a ground truth (mmdet's default: 0.3)
    train_cfg=dict(rpn=dict(assigner=dict(min_pos_iou=0.0))))

# detectron2 reads and resizes with PIL (utils.read_image, ResizeShortestEdge
# with Image.BILINEAR)
backend = 'pillow'
train_pipeline = [
    dict(type='LoadImageFromFile', imdecode_backend=backend),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='RandomChoiceResize',
        scales=[(1333, s) for s in range(480, 801, 32)],
        keep_ratio=True,
        backend=backend),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', imdecode_backend=backend),
    dict(type='Resize', scale=(1333, 800), keep_ratio=True, backend=backend),
    # avoid bboxes being resized
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
data_root = 'data/VOCdevkit/'
train_dataloader = dict(
    batch_size=2,  # x 8 GPUs = IMS_PER_BATCH 16
    dataset=dict(
        # VOCDataset sets dataset_type VOC2007 / VOC2012 in the metainfo
        ignore_keys=['dataset_type'],
        datasets=[
            dict(
                type='VOCDataset',
                data_root=data_root,
                ann_file=f'{year}/ImageSets/Main/trainval.txt',
                data_prefix=dict(sub_data_root=f'{year}/'),
                # detectron2's FILTER_EMPTY_ANNOTATIONS; no VOC image is
                # smaller than 32 pixels
                filter_cfg=dict(filter_empty_gt=True, min_size=32),
                pipeline=train_pipeline) for year in ('VOC2007', 'VOC2012')
        ]))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.))

max_iter = 24000
# EVAL_PERIOD 0: one evaluation, after training and precise BN
train_cfg = dict(max_iters=max_iter, val_interval=max_iter)
param_scheduler = [
    # detectron2's warm-up factor 0.001 + 0.999 * it / 100 reaches 1 at
    # iteration 100; mmengine's LinearLR reaches end_factor at `end - 1`
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=101),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iter,
        by_epoch=False,
        milestones=[18000, 22000],
        gamma=0.1)
]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=5000))

# detectron2's PascalVOCDetectionEvaluator (VOC07: 11-point AP, IoU >
# threshold); keys pascal_voc/mAP (detectron2's AP), AP50, AP75, in [0, 1]
val_evaluator = dict(
    _delete_=True, type='mmdense.evaluation.Detectron2VOCMetric')
test_evaluator = val_evaluator
