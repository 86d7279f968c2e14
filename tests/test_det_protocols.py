"""The detection benchmark configs are the published fine-tuning protocols,
setting by setting (docs/transfer.md, "as published").

The expected values are those of the source configs, written here in their
mmdet 3.x form; each is named by repository, file and line.  Sources (read
at these commits):

* MOCO: facebookresearch/moco @132aea9 (the last commit with detection/),
  detection/configs/Base-RCNN-C4-BN.yaml, pascal_voc_R_50_C4_24k.yaml,
  pascal_voc_R_50_C4_24k_moco.yaml, detection/train_net.py; run with
  --num-gpus 8 (detection/README.md:21-22).  DenseCL's copies
  (WXinlong/DenseCL @b64bbb6 benchmarks/detection/configs/) are the same but
  for RESNETS.NORM "SyncBN" instead of "naiveSyncBN".
* SLOTCON: CVMI-Lab/SlotCon @30ff33d transfer/detection/configs/
  Base-RCNN-FPN.yaml, COCO_R_50_FPN_1x.yaml, COCO_R_50_FPN_1x_SlotCon.yaml
  (--num-gpus 8, README.md:114).  DenseCL's R_50_FPN_1x.yaml and
  R_50_FPN_1x_infomin.yaml and DeCon's copy of SlotCon's are identical.
* D2: facebookresearch/detectron2 @02b5c4e, detectron2/config/defaults.py
  (``:N`` alone below), the defaults under both.
* MMSELFSUP: open-mmlab/mmselfsup @66c795a configs/benchmarks/mmdetection/
  coco/mask-rcnn_r50_fpn_ms-1x_coco.py (the epoch-based config).
"""
import bisect
import copy
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.registry import DefaultScope

B = 'configs/benchmarks/mmdet/'
C4 = B + 'faster-rcnn_r50-syncbn-c4_ms-24k_voc0712.py'
FPN90K = B + 'mask-rcnn_r50-syncbn_fpn_90k_coco.py'
FPN1X = B + 'mask-rcnn_r50-syncbn_fpn_ms-1x_coco.py'
SYNCBN = dict(type='SyncBN', requires_grad=True)
# MOCO pascal_voc_R_50_C4_24k_moco.yaml:3-4, SLOTCON
# COCO_R_50_FPN_1x_SlotCon.yaml:3-4 (RGB, INPUT.FORMAT "RGB" :9)
PIXEL = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True)
EXTRA_NORM = 'mmdense.models.necks.ResLayerExtraNorm'
PRECISE_BN = 'mmdense.engine.hooks.DetPreciseBNHook'


def load(path):
    return Config.fromfile(osp.join(REPO, path))


def assert_sub(actual, expected, where=''):
    """Every key of ``expected`` is in ``actual`` with that value."""
    if isinstance(expected, dict):
        for k, v in expected.items():
            assert k in actual, f'{where}.{k} missing'
            assert_sub(actual[k], v, f'{where}.{k}')
    else:
        if isinstance(actual, tuple) or isinstance(expected, tuple):
            actual, expected = list(actual), list(expected)
        assert actual == expected, f'{where}: {actual!r} != {expected!r}'


def d2_lr(base_lr, steps, warmup_iters, warmup_factor=0.001, gamma=0.1):
    """D2 WarmupMultiStepLR (solver/lr_scheduler.py): linear warm-up
    (SOLVER.WARMUP_METHOD "linear" :551) times gamma per step passed."""

    def lr(it):
        f = 1.0
        if it < warmup_iters:
            alpha = it / warmup_iters
            f = warmup_factor * (1 - alpha) + alpha
        return base_lr * f * gamma**bisect.bisect_right(steps, it)

    return lr


def mmengine_lrs(cfg, iters):
    """The lr of each iteration as the Runner's ParamSchedulerHook sets it
    (one scheduler step after each iteration)."""
    from mmengine.optim.scheduler import LinearLR, MultiStepLR
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=cfg.optim_wrapper.optimizer.lr)
    kinds = dict(LinearLR=LinearLR, MultiStepLR=MultiStepLR)
    scheds = []
    for s in cfg.param_scheduler:
        s = {k: v for k, v in s.items() if k != '_scope_'}
        scheds.append(kinds[s.pop('type')](opt, **s))
    out = []
    for _ in range(iters):
        out.append(opt.param_groups[0]['lr'])
        for s in scheds:
            s.step()
    return out


def assert_solver(cfg, base_lr, steps, max_iter, warmup_iters):
    """SGD as D2 builds it (solver/build.py): momentum 0.9 (:534), no
    nesterov (:536), weight decay 1e-4 (:538), 0 on norm layers
    (WEIGHT_DECAY_NORM :541), biases like weights (WEIGHT_DECAY_BIAS None,
    BIAS_LR_FACTOR 1 :576-577), no clipping (:580), fp32 (AMP off :595);
    the lr of every iteration equal to D2's schedule."""
    assert_sub(
        cfg.optim_wrapper,
        dict(
            type='OptimWrapper',
            optimizer=dict(
                type='SGD', lr=base_lr, momentum=0.9, weight_decay=1e-4),
            paramwise_cfg=dict(norm_decay_mult=0.)))
    assert not cfg.optim_wrapper.optimizer.get('nesterov', False)
    for key in ('bias_decay_mult', 'bias_lr_mult', 'custom_keys'):
        assert key not in cfg.optim_wrapper.paramwise_cfg
    assert 'clip_grad' not in cfg.optim_wrapper
    assert_sub(
        cfg.train_cfg,
        dict(
            type='IterBasedTrainLoop',
            max_iters=max_iter,
            # TEST.EVAL_PERIOD 0 (:607): at the end
            val_interval=max_iter))
    expected = d2_lr(base_lr, steps, warmup_iters)
    got = mmengine_lrs(cfg, max_iter)
    np.testing.assert_allclose(
        got, [expected(i) for i in range(max_iter)], rtol=1e-9, atol=0)


def assert_precise_bn(cfg):
    """TEST.PRECISE_BN.ENABLED (MOCO Base-RCNN-C4-BN.yaml:13-15, SLOTCON
    COCO_R_50_FPN_1x.yaml:19-21), NUM_ITER 200 (:622), run after the last
    iteration only (EVAL_PERIOD 0 :607; engine/hooks.py:606-610)."""
    hooks = [h for h in cfg.custom_hooks if h['type'] == PRECISE_BN]
    assert len(hooks) == 1
    assert hooks[0]['num_iters'] == 200 and hooks[0]['interval'] == 0


def assert_loader(cfg):
    """8 GPUs x 2 = IMS_PER_BATCH 16 (MOCO Base-RCNN-C4-BN.yaml:17, SLOTCON
    Base-RCNN-FPN.yaml:36); D2's TrainingSampler (infinite, shuffled,
    SAMPLER_TRAIN :121) with aspect-ratio grouping (:119); images without
    annotations left out (FILTER_EMPTY_ANNOTATIONS :128)."""
    dl = cfg.train_dataloader
    assert dl.batch_size == 2
    assert_sub(dl.sampler, dict(type='InfiniteSampler', shuffle=True))
    assert dl.batch_sampler.type == 'AspectRatioBatchSampler'
    datasets = dl.dataset.get('datasets', [dl.dataset])
    for ds in datasets:
        assert ds.filter_cfg.filter_empty_gt is True
        assert 'bbox_min_size' not in ds.filter_cfg  # no box is dropped


def pipeline(cfg, which):
    ds = getattr(cfg, which).dataset
    ds = ds.datasets[0] if 'datasets' in ds else ds
    return [{
        k: v
        for k, v in t.items() if k not in ('backend_args', )
    } for t in ds.pipeline]


def resize_steps(min_sizes, test_size, with_mask=False):
    """D2 ResizeShortestEdge(MIN_SIZE_TRAIN, MAX_SIZE_TRAIN 1333 :61,
    "choice" :59) + RandomFlip horizontal (:68) for training,
    ResizeShortestEdge(MIN_SIZE_TEST, MAX_SIZE_TEST 1333 :65) for test;
    images read with PIL (data/detection_utils.py read_image) and resized by
    PIL bilinear (data/transforms/transform.py ResizeTransform); masks as
    polygons (INPUT.MASK_FORMAT "polygon" :87)."""
    ann = dict(type='LoadAnnotations', with_bbox=True)
    if with_mask:
        ann.update(with_mask=True, poly2mask=False)
    load = dict(type='LoadImageFromFile', imdecode_backend='pillow')
    train = [
        load, ann,
        dict(
            type='RandomChoiceResize',
            scales=[(1333, s) for s in min_sizes],
            keep_ratio=True,
            backend='pillow'),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackDetInputs')
    ]
    test = [
        load,
        dict(
            type='Resize',
            scale=(1333, test_size),
            keep_ratio=True,
            backend='pillow'), ann,
        dict(
            type='PackDetInputs',
            meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                       'scale_factor'))
    ]
    return train, test


# ---- VOC07+12, Faster R-CNN R50-C4, 24k ------------------------------------


def test_c4_model_is_moco_detectron2_c4():
    m = load(C4).model
    assert_sub(
        m,
        dict(
            type='FasterRCNN',
            # size_divisibility 0 of D2's ResNet backbone (modeling/backbone/
            # backbone.py:33-40): no padding to a multiple
            data_preprocessor=dict(PIXEL, pad_size_divisor=1),
            backbone=dict(
                type='ResNet',
                depth=50,  # RESNETS.DEPTH :484
                num_stages=3,
                strides=(1, 2, 2),
                out_indices=(2, ),  # res4
                style='pytorch',  # STRIDE_IN_1X1 False, moco.yaml:7
                frozen_stages=-1,  # FREEZE_AT 0, Base-RCNN-C4-BN.yaml:9
                # NORM naiveSyncBN (Base-RCNN-C4-BN.yaml:12; DenseCL: SyncBN)
                norm_cfg=SYNCBN,
                norm_eval=False,
                init_cfg=None),  # weights from LoadPretrainedHook
            rpn_head=dict(
                in_channels=1024,
                feat_channels=1024,  # RPN.CONV_DIMS [-1] :247
                # ANCHOR_GENERATOR.SIZES 32-512 :180 on res4 (stride 16 :205)
                anchor_generator=dict(
                    type='AnchorGenerator',
                    scales=[2, 4, 8, 16, 32],
                    ratios=[0.5, 1.0, 2.0],
                    strides=[16]),  # :187
                # RPN.BBOX_REG_WEIGHTS (1, 1, 1, 1) :228
                bbox_coder=dict(target_means=[0.] * 4, target_stds=[1.] * 4),
                loss_cls=dict(
                    type='CrossEntropyLoss', use_sigmoid=True,
                    loss_weight=1.0),  # RPN.LOSS_WEIGHT :231
                loss_bbox=dict(type='L1Loss', loss_weight=1.0)),  # beta 0 :230
            roi_head=dict(
                type='StandardRoIHead',
                # MOCO train_net.py:25-37 Res5ROIHeadsExtraNorm: res5 (RES5_
                # DILATION 1 :502, stride 2) + norm of RESNETS.NORM
                shared_head=dict(
                    type=EXTRA_NORM,
                    depth=50,
                    stage=3,
                    stride=2,
                    dilation=1,
                    style='pytorch',
                    norm_cfg=SYNCBN,
                    norm_eval=False),
                bbox_roi_extractor=dict(
                    # POOLER_RESOLUTION 14 :305, SAMPLING_RATIO 0 :306,
                    # ROIAlignV2 :308 (mmcv RoIAlign aligned=True by default)
                    roi_layer=dict(
                        type='RoIAlign', output_size=14, sampling_ratio=0),
                    featmap_strides=[16]),
                bbox_head=dict(
                    type='BBoxHead',
                    # Res5ROIHeads: res5 output .mean([2, 3])
                    with_avg_pool=True,
                    in_channels=2048,
                    num_classes=20,  # pascal_voc_R_50_C4_24k.yaml:6
                    reg_class_agnostic=False,  # CLS_AGNOSTIC_BBOX_REG :320
                    # BBOX_REG_WEIGHTS (10, 10, 5, 5) :302
                    bbox_coder=dict(
                        target_means=[0.] * 4,
                        target_stds=[0.1, 0.1, 0.2, 0.2]),
                    loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False),
                    loss_bbox=dict(type='L1Loss',
                                   loss_weight=1.0))),  # :299,304
            train_cfg=dict(
                rpn=dict(
                    # RPN.IOU_THRESHOLDS [0.3, 0.7] :218; rpn.py Matcher(
                    # allow_low_quality_matches=True): no minimum IoU
                    assigner=dict(
                        type='MaxIoUAssigner',
                        pos_iou_thr=0.7,
                        neg_iou_thr=0.3,
                        min_pos_iou=0.,
                        match_low_quality=True,
                        ignore_iof_thr=-1),
                    # BATCH_SIZE_PER_IMAGE 256 :221, POSITIVE_FRACTION 0.5 :223
                    sampler=dict(
                        type='RandomSampler',
                        num=256,
                        pos_fraction=0.5,
                        add_gt_as_proposals=False),
                    allowed_border=-1),  # BOUNDARY_THRESH -1 :208
                # PRE/POST_NMS_TOPK_TRAIN 12000 / 2000 :234,242, NMS 0.7 :245,
                # PROPOSAL_GENERATOR.MIN_SIZE 0 :167
                rpn_proposal=dict(
                    nms_pre=12000,
                    max_per_img=2000,
                    nms=dict(type='nms', iou_threshold=0.7),
                    min_bbox_size=0),
                rcnn=dict(
                    # ROI_HEADS.IOU_THRESHOLDS [0.5] :263, roi_heads.py
                    # Matcher(
                    # allow_low_quality_matches=False)
                    assigner=dict(
                        type='MaxIoUAssigner',
                        pos_iou_thr=0.5,
                        neg_iou_thr=0.5,
                        min_pos_iou=0.5,
                        match_low_quality=False,
                        ignore_iof_thr=-1),
                    # BATCH_SIZE_PER_IMAGE 512 :269, POSITIVE_FRACTION 0.25
                    # :271,
                    # PROPOSAL_APPEND_GT :286
                    sampler=dict(
                        type='RandomSampler',
                        num=512,
                        pos_fraction=0.25,
                        add_gt_as_proposals=True))),
            test_cfg=dict(
                # PRE/POST_NMS_TOPK_TEST 6000 / 1000, Base-RCNN-C4-BN.yaml:4-5
                rpn=dict(
                    nms_pre=6000,
                    max_per_img=1000,
                    nms=dict(type='nms', iou_threshold=0.7),
                    min_bbox_size=0),
                # SCORE_THRESH_TEST 0.05 :280, NMS_THRESH_TEST 0.5 :283,
                # DETECTIONS_PER_IMAGE 100 :614
                rcnn=dict(
                    score_thr=0.05,
                    nms=dict(type='nms', iou_threshold=0.5),
                    max_per_img=100))))
    assert not m.backbone.get('deep_stem', False)  # D2 BasicStem
    # ANCHOR_GENERATOR.OFFSET 0.0 :195
    assert m.rpn_head.anchor_generator.get('center_offset', 0.) == 0.
    assert m.roi_head.bbox_roi_extractor.roi_layer.get('aligned', True)


def test_c4_data_is_moco_detectron2_voc():
    cfg = load(C4)
    assert_loader(cfg)
    # DATASETS.TRAIN voc_2007_trainval + voc_2012_trainval, TEST
    # voc_2007_test (pascal_voc_R_50_C4_24k.yaml:11-12)
    years = [(d.data_prefix.sub_data_root, d.ann_file)
             for d in cfg.train_dataloader.dataset.datasets]
    assert years == [('VOC2007/', 'VOC2007/ImageSets/Main/trainval.txt'),
                     ('VOC2012/', 'VOC2012/ImageSets/Main/trainval.txt')]
    for which in ('val_dataloader', 'test_dataloader'):
        ds = getattr(cfg, which).dataset
        assert (ds.type, ds.ann_file,
                ds.test_mode) == ('VOCDataset',
                                  'VOC2007/ImageSets/Main/test.txt', True)
    # MIN_SIZE_TRAIN 480:32:800, MIN_SIZE_TEST 800
    # (pascal_voc_R_50_C4_24k.yaml:8-9)
    train, test = resize_steps(range(480, 801, 32), 800)
    for ds in cfg.train_dataloader.dataset.datasets:
        assert [{
            k: v
            for k, v in t.items() if k != 'backend_args'
        } for t in ds.pipeline] == train
    assert pipeline(cfg, 'val_dataloader') == test
    assert pipeline(cfg, 'test_dataloader') == test
    # PascalVOCDetectionEvaluator (MOCO train_net.py:45-49), VOC07 metric
    for ev in (cfg.val_evaluator, cfg.test_evaluator):
        assert dict(ev) == dict(type='mmdense.evaluation.Detectron2VOCMetric')
    from mmdense.evaluation import Detectron2VOCMetric
    metric = Detectron2VOCMetric()
    # pascal_voc_evaluation.py:101 range(50, 100, 5); :47 VOC2007
    assert metric.iou_thrs == [t / 100.0 for t in range(50, 100, 5)]
    assert metric.use_07_metric and metric.box_offset == 1.0


def test_c4_schedule_is_moco_detectron2():
    cfg = load(C4)
    # BASE_LR 0.02 (Base-RCNN-C4-BN.yaml:18), STEPS 18k / 22k, MAX_ITER 24k,
    # WARMUP_ITERS 100 (pascal_voc_R_50_C4_24k.yaml:14-16), WARMUP_FACTOR
    # 1/1000 :549, GAMMA 0.1 :543
    assert_solver(cfg, 0.02, (18000, 22000), 24000, 100)
    assert_precise_bn(cfg)
    pre = [
        h for h in cfg.custom_hooks
        if h['type'] == 'mmdense.engine.LoadPretrainedHook'
    ]
    assert pre == [
        dict(
            type='mmdense.engine.LoadPretrainedHook',
            groups=['backbone', 'roi_head.shared_head.layer4'],
            key_map={'backbone.layer4.': 'roi_head.shared_head.layer4.'})
    ]


# ---- COCO, Mask R-CNN R50-FPN, 90k -----------------------------------------


def test_fpn_90k_model_is_slotcon_densecl_detectron2():
    m = load(FPN90K).model
    assert_sub(
        m,
        dict(
            type='MaskRCNN',
            data_preprocessor=dict(PIXEL,
                                   pad_size_divisor=32),  # FPN stride 32
            backbone=dict(
                type='ResNet',
                depth=50,  # COCO_R_50_FPN_1x.yaml:8
                num_stages=4,
                out_indices=(0, 1, 2, 3),  # Base-RCNN-FPN.yaml:6
                style='pytorch',  # STRIDE_IN_1X1 False, ..._SlotCon.yaml:7
                frozen_stages=-1,  # FREEZE_AT 0, COCO_R_50_FPN_1x.yaml:6
                norm_cfg=SYNCBN,  # COCO_R_50_FPN_1x.yaml:9
                norm_eval=False,
                init_cfg=None),
            neck=dict(
                type='FPN',
                in_channels=[256, 512, 1024, 2048],  # :8
                out_channels=256,  # FPN.OUT_CHANNELS :150
                num_outs=5,  # P2-P6, P6 by LastLevelMaxPool
                norm_cfg=SYNCBN),  # COCO_R_50_FPN_1x.yaml:11
            rpn_head=dict(
                in_channels=256,
                feat_channels=256,
                # SIZES [[32], ..., [512]], ASPECT_RATIOS,
                # Base-RCNN-FPN.yaml:10-11
                anchor_generator=dict(
                    type='AnchorGenerator',
                    scales=[8],
                    ratios=[0.5, 1.0, 2.0],
                    strides=[4, 8, 16, 32, 64]),
                bbox_coder=dict(target_stds=[1.] * 4),  # :228
                loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True),
                loss_bbox=dict(type='L1Loss', loss_weight=1.0)),  # :230
            roi_head=dict(
                bbox_roi_extractor=dict(
                    # POOLER_RESOLUTION 7 (Base-RCNN-FPN.yaml:27), p2-p5 (:23)
                    roi_layer=dict(
                        type='RoIAlign', output_size=7,
                        sampling_ratio=0),  # :306
                    featmap_strides=[4, 8, 16, 32]),
                # NUM_CONV 4, NUM_FC 1, NORM SyncBN
                # (COCO_R_50_FPN_1x.yaml:13-16)
                # CONV_DIM 256 :315, FC_DIM 1024 :312
                bbox_head=dict(
                    type='Shared4Conv1FCBBoxHead',
                    conv_out_channels=256,
                    fc_out_channels=1024,
                    norm_cfg=SYNCBN,
                    num_classes=80,
                    reg_class_agnostic=False,  # :320
                    bbox_coder=dict(target_stds=[0.1, 0.1, 0.2, 0.2]),  # :302
                    loss_bbox=dict(type='L1Loss', loss_weight=1.0)),  # :304
                mask_roi_extractor=dict(
                    # ROI_MASK_HEAD POOLER_RESOLUTION 14
                    # (Base-RCNN-FPN.yaml:31)
                    roi_layer=dict(
                        type='RoIAlign', output_size=14,
                        sampling_ratio=0),  # :352
                    featmap_strides=[4, 8, 16, 32]),
                # NUM_CONV 4 (Base-RCNN-FPN.yaml:30), CONV_DIM 256 :354, NORM
                # SyncBN (COCO_R_50_FPN_1x.yaml:18), per-class masks :359
                mask_head=dict(
                    type='FCNMaskHead',
                    num_convs=4,
                    conv_out_channels=256,
                    norm_cfg=SYNCBN)),
            train_cfg=dict(
                rpn=dict(
                    assigner=dict(
                        pos_iou_thr=0.7,
                        neg_iou_thr=0.3,  # :218
                        min_pos_iou=0.,
                        match_low_quality=True),
                    sampler=dict(num=256, pos_fraction=0.5),  # :221,223
                    allowed_border=-1),  # :208
                # PRE_NMS_TOPK_TRAIN 2000 per level, POST 1000
                # (Base-RCNN-FPN.yaml:14,19), NMS 0.7 :245
                rpn_proposal=dict(
                    nms_pre=2000,
                    max_per_img=1000,
                    nms=dict(type='nms', iou_threshold=0.7),
                    min_bbox_size=0),
                rcnn=dict(
                    assigner=dict(
                        pos_iou_thr=0.5,
                        neg_iou_thr=0.5,  # :263
                        min_pos_iou=0.5,
                        match_low_quality=False),
                    sampler=dict(
                        num=512,
                        pos_fraction=0.25,  # :269,271
                        add_gt_as_proposals=True),  # :286
                    mask_size=28)),  # MaskRCNNConvUpsampleHead: 14 x 2
            test_cfg=dict(
                # PRE/POST_NMS_TOPK_TEST 1000 / 1000 (Base-RCNN-FPN.yaml:15,20)
                rpn=dict(
                    nms_pre=1000,
                    max_per_img=1000,
                    nms=dict(type='nms', iou_threshold=0.7)),
                rcnn=dict(
                    score_thr=0.05,
                    max_per_img=100,  # :280, :614
                    nms=dict(type='nms', iou_threshold=0.5),  # :283
                    mask_thr_binary=0.5))))  # mask_head.py paste at 0.5
    assert not m.neck.get('add_extra_convs', False)  # P6 = max-pool of P5
    # poolers.py assign_boxes_to_levels: canonical box 224 at level 4 =
    # mmdet's finest_scale 56 at P2
    assert m.roi_head.bbox_roi_extractor.get('finest_scale', 56) == 56
    assert not m.backbone.get('deep_stem', False)
    assert not m.roi_head.mask_head.get('class_agnostic', False)


def test_fpn_90k_data_and_schedule_are_slotcon_densecl_detectron2():
    cfg = load(FPN90K)
    assert_loader(cfg)
    # DATASETS coco_2017_train / coco_2017_val (Base-RCNN-FPN.yaml:33-34)
    assert (cfg.train_dataloader.dataset.ann_file,
            cfg.val_dataloader.dataset.ann_file) == (
                'annotations/instances_train2017.json',
                'annotations/instances_val2017.json')
    # MIN_SIZE_TRAIN 640:32:800 (Base-RCNN-FPN.yaml:41), MIN_SIZE_TEST 800
    # (:63)
    train, test = resize_steps(range(640, 801, 32), 800, with_mask=True)
    assert pipeline(cfg, 'train_dataloader') == train
    assert pipeline(cfg, 'val_dataloader') == test
    # COCOEvaluator, bbox and segm (SLOTCON train_net.py:33-34)
    assert_sub(cfg.val_evaluator,
               dict(type='CocoMetric', metric=['bbox', 'segm']))
    # BASE_LR 0.02, STEPS 60k / 80k, MAX_ITER 90k (Base-RCNN-FPN.yaml:37-39,
    # COCO_R_50_FPN_1x.yaml:23-24), WARMUP_ITERS 1000 :550, FACTOR :549
    assert_solver(cfg, 0.02, (60000, 80000), 90000, 1000)
    assert_precise_bn(cfg)
    assert [h['type'] for h in cfg.custom_hooks
            ] == ['mmdense.engine.LoadPretrainedHook', PRECISE_BN]


def test_fpn_1x_is_mmselfsup():
    """The epoch-based config: MMSELFSUP mask-rcnn_r50_fpn_ms-1x_coco.py
    (:1 mmdet's mask-rcnn_r50_fpn_1x_coco.py, :4-10 SyncBN everywhere and
    Shared4Conv1FCBBoxHead, :12-23 multi-scale 640-800)."""
    cfg = load(FPN1X)
    assert_sub(
        cfg.model,
        dict(
            backbone=dict(frozen_stages=-1, norm_cfg=SYNCBN, norm_eval=False),
            neck=dict(norm_cfg=SYNCBN),
            roi_head=dict(
                bbox_head=dict(type='Shared4Conv1FCBBoxHead', norm_cfg=SYNCBN),
                mask_head=dict(norm_cfg=SYNCBN))))
    assert [t['type'] for t in cfg.train_dataloader.dataset.pipeline] == [
        'LoadImageFromFile', 'LoadAnnotations', 'RandomChoiceResize',
        'RandomFlip', 'PackDetInputs'
    ]
    assert cfg.train_dataloader.dataset.pipeline[2]['scales'] == [
        (1333, s) for s in range(640, 801, 32)
    ]
    # mmdet schedule_1x: 12 epochs, steps 8 / 11, 500 warm-up iterations
    assert_sub(cfg.train_cfg, dict(type='EpochBasedTrainLoop', max_epochs=12))
    assert cfg.param_scheduler[1]['milestones'] == [8, 11]
    assert cfg.param_scheduler[0]['end'] == 500


# ---- the extra norm after res5 ---------------------------------------------


def test_extra_norm_head_forward_and_res5_loading(tmp_path):
    from mmpretrain.models import ResNet

    from mmdense.models.necks import ResLayerExtraNorm
    from mmdense.registry import MODELS
    from mmdense.weights import load_pretrained
    assert MODELS.get('ResLayerExtraNorm') is ResLayerExtraNorm
    torch.manual_seed(0)
    head = ResLayerExtraNorm(
        depth=50,
        stage=3,
        stride=2,
        style='pytorch',
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False)
    head.init_weights()
    assert isinstance(head.norm, torch.nn.BatchNorm2d)
    assert head.norm.num_features == 2048
    assert torch.equal(head.norm.weight, torch.ones(2048))
    assert torch.equal(head.norm.bias, torch.zeros(2048))
    x = torch.randn(2, 1024, 14, 14)
    head.train()
    out = head(x)
    assert out.shape == (2, 2048, 7, 7)
    # training mode: each channel normalised over the batch (weight 1, bias
    # 0), i.e. the norm really follows res5
    assert out.mean((0, 2, 3)).abs().max() < 1e-4
    head.eval()
    with torch.no_grad():
        assert torch.equal(head(x), head.norm(head.layer4(x)))
    # the pre-trained res5 into roi_head.shared_head.layer4, n / n
    resnet = ResNet(depth=50)
    weights = {f'backbone.{k}': v for k, v in resnet.state_dict().items()}
    path = str(tmp_path / 'r50.pth')
    torch.save(dict(state_dict=weights), path)
    model = torch.nn.Module()
    model.roi_head = torch.nn.Module()
    model.roi_head.shared_head = head
    report = load_pretrained(
        model,
        path,
        groups=('roi_head.shared_head.layer4', ),
        key_map={'backbone.layer4.': 'roi_head.shared_head.layer4.'})
    n = len(resnet.layer4.state_dict())
    assert report == {'roi_head.shared_head.layer4': f'{n}/{n} tensors'}
    assert torch.equal(head.layer4[0].downsample[0].weight,
                       resnet.layer4[0].downsample[0].weight)
    assert torch.equal(head.norm.weight, torch.ones(2048))  # new, untouched
    assert sorted(k for k in head.state_dict()
                  if not k.startswith('layer4.')) == [
                      'norm.bias', 'norm.num_batches_tracked',
                      'norm.running_mean', 'norm.running_var', 'norm.weight'
                  ]


@pytest.fixture(scope='module')
def c4_detector():
    """The C4 benchmark model as the config builds it (mmdet scope), with
    8 sampled ROIs per image instead of 512 to keep CPU forwards short."""
    cfg = load(C4)
    cfg.model.train_cfg.rpn_proposal.max_per_img = 64
    cfg.model.train_cfg.rcnn.sampler.num = 8
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
    return model


def tiny_batch(seed):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for h, w in ((72, 100), (64, 90)):  # not multiples of 16 or 32
        inputs.append(
            torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8))
        s = DetDataSample(
            metainfo=dict(
                img_shape=(h, w), ori_shape=(h, w), scale_factor=(1., 1.)))
        s.gt_instances = InstanceData(
            bboxes=torch.tensor([[4., 6., 50., 40.], [30., 20., 80., 60.]]),
            labels=torch.tensor([3, 11]))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_c4_config_builds_the_extra_norm_detector(c4_detector, tmp_path):
    from mmpretrain.models import ResNet

    from mmdense.models.necks import ResLayerExtraNorm
    from mmdense.weights import load_pretrained
    head = c4_detector.roi_head.shared_head
    assert type(head) is ResLayerExtraNorm
    assert isinstance(head.norm, torch.nn.SyncBatchNorm)
    assert head.norm.num_features == 2048
    resnet = ResNet(depth=50)
    weights = {f'backbone.{k}': v for k, v in resnet.state_dict().items()}
    path = str(tmp_path / 'r50.pth')
    torch.save(dict(state_dict=weights), path)
    report = load_pretrained(
        c4_detector,
        path,
        groups=('backbone', 'roi_head.shared_head.layer4'),
        key_map={'backbone.layer4.': 'roi_head.shared_head.layer4.'})
    n5 = len(resnet.layer4.state_dict())
    assert report['roi_head.shared_head.layer4'] == f'{n5}/{n5} tensors'
    assert torch.equal(head.layer4[2].conv3.weight,
                       resnet.layer4[2].conv3.weight)


def test_precise_bn_uses_the_training_forward(c4_detector):
    """Each BN (in training mode) ends with the average over the batches of
    its per-batch mean / unbiased var (fvcore update_bn_stats), from the
    training forward: the extra norm sees the sampled ROIs (8 per image
    here), not the test proposals."""
    from mmdense.engine.hooks.det_precise_bn_hook import update_bn_stats
    model = c4_detector
    model.train()
    watched = dict(
        stem=model.backbone.norm1, extra=model.roi_head.shared_head.norm)
    seen = {k: [] for k in watched}
    handles = [
        m.register_forward_pre_hook(
            lambda mod, args, k=k: seen[k].append(args[0].detach().clone()))
        for k, m in watched.items()
    ]
    momenta = {k: m.momentum for k, m in watched.items()}
    try:
        n = update_bn_stats(model, iter([tiny_batch(1), tiny_batch(2)]), 2)
    finally:
        for h in handles:
            h.remove()
    assert n == len([
        m for m in model.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ])
    assert [x.shape[0] for x in seen['extra']] == [16, 16]  # 2 images x 8
    for k, m in watched.items():
        assert len(seen[k]) == 2
        mean = sum(x.mean((0, 2, 3)) for x in seen[k]) / 2
        var = sum(x.transpose(0, 1).flatten(1).var(1) for x in seen[k]) / 2
        torch.testing.assert_close(m.running_mean, mean, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(m.running_var, var, rtol=1e-4, atol=1e-5)
        assert m.momentum == momenta[k]


def test_precise_bn_hook_runs_after_the_last_iteration(monkeypatch):
    from mmdense.engine.hooks import det_precise_bn_hook as precise_bn
    calls = []
    monkeypatch.setattr(precise_bn, 'update_bn_stats',
                        lambda model, batches, n: calls.append(n) or 1)
    hook = precise_bn.DetPreciseBNHook(num_iters=200, interval=0)
    monkeypatch.setattr(hook, '_loader', lambda runner: iter(()))
    runner = SimpleNamespace(model=torch.nn.Linear(1, 1), max_iters=24000)
    for it in (0, 99, 3999, 4000, 23998, 23999):  # runner.iter, 0-based
        runner.iter = it
        hook.after_train_iter(runner, it)
    assert calls == [200]  # after iteration 24000 only (EVAL_PERIOD 0)
    hook = precise_bn.DetPreciseBNHook(num_iters=3, interval=4000)
    monkeypatch.setattr(hook, '_loader', lambda runner: iter(()))
    calls.clear()
    for it in (3998, 3999, 4000, 23999):
        runner.iter = it
        hook.after_train_iter(runner, it)
    assert calls == [3, 3]
    assert hook.priority == 'ABOVE_NORMAL'  # before CheckpointHook


def test_precise_bn_loader_is_its_own(synthetic_root):
    """A loader of its own over the training set (the config's pipeline and
    batch size, no workers), not the train loop's."""
    from mmengine.runner import Runner

    from mmdense.engine.hooks import DetPreciseBNHook
    cfg = load(C4)
    for ds in cfg.train_dataloader.dataset.datasets:
        ds.data_root = osp.join(synthetic_root, 'VOCdevkit/')
    with DefaultScope.overwrite_default_scope('mmdet'):
        train_loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
        runner = SimpleNamespace(
            cfg=cfg,
            seed=0,
            build_dataloader=Runner.build_dataloader,
            train_loop=SimpleNamespace(dataloader=train_loader))
        hook = DetPreciseBNHook()
        batches = hook._loader(runner)
        batch = next(batches)
    assert hook._loader(runner) is batches  # one stream, as detectron2
    assert len(batch['inputs']) == 2
    assert min(batch['inputs'][0].shape[1:]) in range(480, 801, 32)
    assert cfg.train_dataloader.num_workers == 2  # the config is unchanged


# ---- detectron2's VOC07 evaluation -----------------------------------------


def voc_sample(gt, difficult, dets):
    """A data sample as mmdet's VOCMetric.process reads it; boxes in mmdet's
    VOC coordinates (XML - 1); ``dets`` rows x1 y1 x2 y2 score label."""
    t = torch.tensor
    dets = np.array(dets, np.float32).reshape(-1, 6)
    return dict(
        gt_instances=dict(
            bboxes=t([b for b, _ in gt], dtype=torch.float32).reshape(-1, 4),
            labels=t([c for _, c in gt], dtype=torch.int64)),
        ignored_instances=dict(
            bboxes=t([b for b, _ in difficult],
                     dtype=torch.float32).reshape(-1, 4),
            labels=t([c for _, c in difficult], dtype=torch.int64)),
        pred_instances=dict(
            bboxes=t(dets[:, :4]),
            scores=t(dets[:, 4]),
            labels=t(dets[:, 5]).long()))


# Hand-worked case, boxes written as the VOC XML has them (1-based pixel
# indices, inclusive); mmdet holds XML - 1.  Class a:
#   image 1: A  = [1, 1, 10, 10] (10 x 10 = 100 px), D = [21, 21, 30, 30]
#            difficult
#   image 2: B  = [1, 1, 20, 20] (400 px)
#   detections, by score:
#   d1 .9 image 1 [1, 1, 10, 10]  IoU(A) = 1        -> TP at every threshold
#   d2 .8 image 1 [1, 1, 10, 10]  duplicate of d1    -> FP at every threshold
#   d3 .7 image 1 [21, 21, 30, 30] IoU(D) = 1        -> ignored (difficult)
#   d4 .6 image 2 [1, 1, 20, 10]  20 x 10 = 200 px inside B:
#                                 IoU = 200 / 400 = 0.5 exactly -> FP for
#                                 detectron2 (IoU > t), TP for mmdet (>=)
#   d5 .5 image 2 [1, 1, 19, 18]  19 x 18 = 342 px inside B: IoU = 0.855
#                                 (without the +1: 18 * 17 / 19**2 = 0.848)
#   npos = 2 (A, B).
#   t in 0.50 ... 0.85 (8 thresholds): TP FP - FP TP
#     recall    .5  .5  .5  1
#     precision 1   .5  1/3 .5
#     11-point: recall >= 0, .1, ..., .5 -> max precision 1 (6 points);
#               .6, ..., 1.0 -> .5 (5 points)  => AP = 8.5 / 11 = 17 / 22
#   t in 0.90, 0.95: TP FP - FP FP: recall stays .5
#               => AP = 6 / 11
#   detectron2 AP (mean over the 10 thresholds) = (8 * 17/22 + 2 * 6/11) / 10
#               = 8 / 11
#   mmdet at 0.5 (d4 TP, d5 a duplicate of B): recall .5 .5 .5 1 1,
#     precision 1 .5 .5 2/3 .5 => (6 + 5 * 2/3) / 11 = 28 / 33
# Class b: one ground truth in image 2 [31, 31, 40, 40] found exactly
#   (score .3) => AP 1 at every threshold.  Reported values are the means
#   over the two classes.
A, D, B_, Bb = [0, 0, 9, 9], [20, 20, 29, 29], [0, 0, 19, 19], [30, 30, 39, 39]
HAND = [
    voc_sample([(A, 0)], [(D, 0)], [A + [.9, 0], A + [.8, 0], D + [.7, 0]]),
    voc_sample([(B_, 0), (Bb, 1)], [],
               [[0, 0, 19, 9, .6, 0], [0, 0, 18, 17, .5, 0], Bb + [.3, 1]]),
]


def test_detectron2_voc_metric_hand_worked():
    from mmdense.evaluation import Detectron2VOCMetric
    metric = Detectron2VOCMetric()
    metric.dataset_meta = dict(classes=('a', 'b'))
    metric.process({}, copy.deepcopy(HAND))
    out = metric.evaluate(2)
    a_low, a_high = 17 / 22, 6 / 11
    expected = {f'AP{t}': (a_low + 1) / 2 for t in range(50, 90, 5)}
    expected.update(AP90=(a_high + 1) / 2, AP95=(a_high + 1) / 2)
    expected['mAP'] = (8 / 11 + 1) / 2
    assert set(out) == {f'pascal_voc/{k}' for k in expected}
    for k, v in expected.items():
        assert out[f'pascal_voc/{k}'] == pytest.approx(v, abs=1e-12), k
    # the boundary case the other way in mmdet's VOCMetric (IoU >= t)
    from mmdet.evaluation import VOCMetric
    mm = VOCMetric(iou_thrs=[0.5], eval_mode='11points')
    mm.dataset_meta = dict(classes=('a', 'b'))
    mm.process({}, copy.deepcopy(HAND))
    assert mm.evaluate(2)['pascal_voc/mAP'] == pytest.approx(
        (28 / 33 + 1) / 2, abs=1e-6)


def d2_voc_eval(lines, recs, classname, ovthresh):
    """detectron2 pascal_voc_evaluation.py:222-300 verbatim, the files
    replaced by ``lines`` (the detection file) and ``recs``."""
    from mmdense.evaluation.voc_metric import voc_ap
    class_recs = {}
    npos = 0
    for imagename in recs:
        R = [obj for obj in recs[imagename] if obj['name'] == classname]
        bbox = np.array([x['bbox'] for x in R])
        difficult = np.array([x['difficult'] for x in R]).astype(bool)
        det = [False] * len(R)
        npos = npos + sum(~difficult)
        class_recs[imagename] = {
            'bbox': bbox,
            'difficult': difficult,
            'det': det
        }
    splitlines = [x.strip().split(' ') for x in lines]
    image_ids = [x[0] for x in splitlines]
    confidence = np.array([float(x[1]) for x in splitlines])
    BB = np.array([[float(z) for z in x[2:]]
                   for x in splitlines]).reshape(-1, 4)
    sorted_ind = np.argsort(-confidence)
    BB = BB[sorted_ind, :]
    image_ids = [image_ids[x] for x in sorted_ind]
    nd = len(image_ids)
    tp = np.zeros(nd)
    fp = np.zeros(nd)
    for d in range(nd):
        R = class_recs[image_ids[d]]
        bb = BB[d, :].astype(float)
        ovmax = -np.inf
        BBGT = R['bbox'].astype(float)
        if BBGT.size > 0:
            ixmin = np.maximum(BBGT[:, 0], bb[0])
            iymin = np.maximum(BBGT[:, 1], bb[1])
            ixmax = np.minimum(BBGT[:, 2], bb[2])
            iymax = np.minimum(BBGT[:, 3], bb[3])
            iw = np.maximum(ixmax - ixmin + 1.0, 0.0)
            ih = np.maximum(iymax - iymin + 1.0, 0.0)
            inters = iw * ih
            uni = ((bb[2] - bb[0] + 1.0) * (bb[3] - bb[1] + 1.0) +
                   (BBGT[:, 2] - BBGT[:, 0] + 1.0) *
                   (BBGT[:, 3] - BBGT[:, 1] + 1.0) - inters)
            overlaps = inters / uni
            ovmax = np.max(overlaps)
            jmax = np.argmax(overlaps)
        if ovmax > ovthresh:
            if not R['difficult'][jmax]:
                if not R['det'][jmax]:
                    tp[d] = 1.0
                    R['det'][jmax] = 1
                else:
                    fp[d] = 1.0
        else:
            fp[d] = 1.0
    fp = np.cumsum(fp)
    tp = np.cumsum(tp)
    rec = tp / float(npos)
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return voc_ap(rec, prec, True)


def test_detectron2_voc_metric_equals_detectron2_code():
    """Random images (boxes near each other, scores tied after detectron2's
    3-decimal rounding, difficult boxes): the metric equals detectron2's
    code run on the text it would write (:63-68, :96-99)."""
    from mmdense.evaluation import Detectron2VOCMetric
    rng = np.random.RandomState(0)
    classes = ('a', 'b', 'c')
    samples, recs, lines = [], {}, {c: [] for c in classes}
    for i in range(30):
        gt, difficult, objs = [], [], []
        for _ in range(rng.randint(0, 4)):
            x, y = rng.randint(0, 60, 2)
            box = [
                int(x),
                int(y),
                int(x + rng.randint(5, 40)),
                int(y + rng.randint(5, 40))
            ]
            c = int(rng.randint(3))
            hard = rng.rand() < 0.25
            (difficult if hard else gt).append((box, c))
        # detectron2 reads the XML order; non-difficult first here (the
        # tie rule named in voc_metric.py)
        for hard, group in ((0, gt), (1, difficult)):
            objs += [
                dict(
                    name=classes[c], difficult=hard, bbox=[v + 1 for v in box])
                for box, c in group
            ]
        recs[str(i)] = objs
        dets = []
        for box, c in (gt + difficult) * 2:
            jitter = rng.uniform(-4, 4, 4)
            score = np.float32(
                rng.choice([0.5, 0.9]) + rng.randint(0, 3) * 1e-4)
            dets.append(list(np.array(box) + jitter) + [score, c])
        for _ in range(rng.randint(0, 3)):
            x, y = rng.uniform(0, 60, 2)
            dets.append(
                [x, y, x + 20, y + 20,
                 np.float32(rng.rand()),
                 rng.randint(3)])
        samples.append(voc_sample(gt, difficult, dets))
        for row in np.array(dets, np.float32).reshape(-1, 6):
            xmin, ymin, xmax, ymax = row[:4] + np.float32(1)
            lines[classes[int(row[5])]].append(
                f'{i} {float(row[4]):.3f} {xmin:.1f} {ymin:.1f} {xmax:.1f} '
                f'{ymax:.1f}')
    metric = Detectron2VOCMetric()
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, samples)
    out = metric.compute_metrics(metric.results)
    aps = {
        t: [d2_voc_eval(lines[c], recs, c, t / 100.0) for c in classes]
        for t in range(50, 100, 5)
    }
    m_ap = {t: np.mean(x) for t, x in aps.items()}
    assert out['mAP'] == np.mean(list(m_ap.values()))
    for t, v in m_ap.items():
        assert out[f'AP{t}'] == v
