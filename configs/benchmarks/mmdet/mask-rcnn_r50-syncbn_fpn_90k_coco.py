# COCO detection / instance segmentation, detectron2's "R_50_FPN_1x" protocol
# of DenseCL and SlotCon (and DeCon, whose copy of SlotCon's configs is
# identical), iteration for iteration: Mask R-CNN R50-FPN, 90k iterations
# (8 GPUs x 2 images), SyncBN in backbone, FPN and both heads, 4conv1fc box
# head, precise BN, bbox / segm AP on val2017.  The COCO numbers of DenseCL
# (WXinlong/DenseCL benchmarks/detection/configs/R_50_FPN_1x_infomin.yaml) and
# SlotCon (CVMI-Lab/SlotCon transfer/detection/configs/
# COCO_R_50_FPN_1x_SlotCon.yaml) were produced with it; the epoch-based
# mask-rcnn_r50-syncbn_fpn_ms-1x_coco.py is mmselfsup's protocol.
# tests/test_configs/test_det_protocols.py checks every setting against those
# files and detectron2's defaults.
#   python tools/train.py THIS --cfg-options pretrained=EXPORT.pth
# `pretrained`: the exporter's output (None: random init); `load_decoder`:
# 'auto' loads a DeCon FPN into `neck.*`, False compares encoder-only transfer.
#
# Same as the source: ResNet-50 pytorch-style (STRIDE_IN_1X1 False), plain
# stem, nothing frozen (FREEZE_AT 0), RGB input with the pre-training mean /
# std; FPN on res2-res5 (256 channels, P6 by max-pool) with SyncBN; RPN on
# P2-P6 with one anchor size per level (32-512) x (0.5, 1, 2), offset 0, 256
# anchors / image at 1/2 positive, IoU 0.3 / 0.7 with low-quality matches at
# any IoU, 2000 proposals per level -> 1000 (train), 1000 -> 1000 (test),
# NMS 0.7; ROIAlign(v2) 7 x 7 (box) and 14 x 14 (mask), levels by
# 224-canonical box size; box head 4 x (conv 256 + SyncBN) + fc 1024,
# class-specific regression with weights (10, 10, 5, 5) and L1 loss; mask head
# 4 x (conv 256 + SyncBN), deconv, 28 x 28 per-class masks from polygons; 512
# ROIs / image at 1/4 positive (IoU 0.5), ground truth added to the
# proposals; score 0.05, NMS 0.5, 100 per image, mask threshold 0.5;
# multi-scale training with the short side drawn from 640:32:800, long side
# <= 1333, horizontal flip, test at 800 / 1333, PIL decoding and bilinear
# resize, padding to a multiple of 32; images without annotations left out;
# aspect-ratio grouping, infinite shuffled sampler; SGD momentum 0.9, lr 0.02,
# weight decay 1e-4 and none on norm layers (WEIGHT_DECAY_NORM 0), linear
# warm-up over 1000 iterations from 0.001, x0.1 at 60k and 80k, 90k
# iterations; precise BN (200 batches) after the last iteration, then the
# evaluation (EVAL_PERIOD 0).
#
# Differences, with the reason:
# - Images whose only annotations are crowd regions: detectron2 drops them
#   (filter_images_with_only_crowd_annotations), mmdet's filter_empty_gt
#   keeps them (with only ignored regions).  No mmdet option.
# - Anchors lying over another image's batch padding: detectron2 labels them
#   like all others (negatives); mmdet's AnchorHead marks them invalid.  No
#   mmdet option.
# - Random initialisation of the new layers (FPN, RPN, heads) follows mmdet's
#   init schemes, not detectron2's (c2_xavier_fill / c2_msra_fill): framework
#   defaults, not config settings.
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    # mmdet's "Align with Detectron2" data: PIL, polygons, infinite sampler,
    # 90k iterations with steps 60k / 80k and 1000 warm-up iterations
    'mmdet::common/ms-poly-90k_coco-instance.py'
]

# GPUs of the published runs (SlotCon README.md:114 and DenseCL
# benchmarks/detection/run.sh:7, --num-gpus 8), 2 images each
gpus = 8
pretrained = None
load_decoder = 'auto'
custom_hooks = [
    dict(
        type='mmdense.engine.LoadPretrainedHook',
        groups=['backbone'],
        decoder_groups=['neck']),
    # TEST.PRECISE_BN (ENABLED, NUM_ITER 200); mmpretrain's PreciseBNHook
    # runs mmdet's 'tensor' forward (test proposals in the ROI heads), see
    # mmdense/engine/hooks/det_precise_bn_hook.py
    dict(
        type='mmdense.engine.hooks.DetPreciseBNHook',
        num_iters=200,
        interval=0)
]

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(
        frozen_stages=-1, norm_cfg=norm_cfg, norm_eval=False, init_cfg=None),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            fc_out_channels=1024,
            norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)),
    train_cfg=dict(
        # detectron2's RPN Matcher(allow_low_quality_matches=True) has no
        # minimum IoU for the best anchor of a ground truth (mmdet: 0.3)
        rpn=dict(assigner=dict(min_pos_iou=0.0)),
        # its ROI Matcher has allow_low_quality_matches=False
        rcnn=dict(assigner=dict(match_low_quality=False))))

train_dataloader = dict(batch_size=2)  # x 8 GPUs = IMS_PER_BATCH 16

optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.))

max_iter = 90000
# EVAL_PERIOD 0: one evaluation, after training and precise BN
train_cfg = dict(max_iters=max_iter, val_interval=max_iter)
param_scheduler = [
    # detectron2's warm-up factor 0.001 + 0.999 * it / 1000 reaches 1 at
    # iteration 1000; mmengine's LinearLR reaches end_factor at `end - 1`
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=1001),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iter,
        by_epoch=False,
        milestones=[60000, 80000],
        gamma=0.1)
]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=5000))
