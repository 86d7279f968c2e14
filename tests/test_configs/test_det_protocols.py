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
import os.path as osp

import numpy as np
import torch
from helpers import REPO
from mmengine.config import Config

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
