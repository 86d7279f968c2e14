"""The segmentation benchmark configs are the published fine-tuning protocols,
setting by setting (docs/transfer.md, "as published").

The expected values are copied from the source configs (mmseg 0.x) and
written here in their mmseg 1.x form; each is named by repository, file and
line. Sources (read at these commits):

* SLOTCON: CVMI-Lab/SlotCon @30ff33d, transfer/segmentation/configs/
  (SlotCon's and DeCon's protocol; the DeCon authors' copy,
  tapu1996/Decoder-aware-Self-Supervised-Continual-Pretraining-and-
  Uncertainty-Guided-Pseudo-Labeling-for-GWFSS,
  DeconContinual/DeconContinual/SlotCon-main/transfer/segmentation/configs/,
  is byte-identical), launched by SlotCon README.md:133 ("PASCAL VOC and
  Cityscapes with 2 GPUs, and run ADE20K with 4 GPUs, with the total batch
  size fixed as 16").
* DENSECL: WXinlong/mmsegmentation @32b0aff (DenseCL's fork, mmseg 0.11),
  configs/densecl/ and configs/_base_/, launched with GPUS=4
  (WXinlong/DenseCL benchmarks/detection/README.md:40).

Only what is a framework rule, not a config setting, is translated: mmseg
0.x's Normalize + Pad(0) -> SegDataPreProcessor (normalise, then pad with
0 / 255 to `size`); MultiScaleFlipAug(flip=False, one scale) -> Resize;
mmcv's lr hooks -> mmengine schedulers with the same lr at every iteration.
"""
import os.path as osp

import pytest
import torch
from helpers import REPO
from mmengine.config import Config
from mmengine.registry import DefaultScope

B = 'configs/benchmarks/mmseg/'
SYNCBN = dict(type='SyncBN', requires_grad=True)
CE = dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)

# ---- shared 0.x pieces ------------------------------------------------------
# SLOTCON _base_/models/fcn_r50-d8.py:5-16 and DENSECL densecl/fcn_r50-d8.py
# :6-16: ResNet (SlotCon `type='ResNet'`, DenseCL `ResNetNormal` =
# ResNet(deep_stem=False, avg_down=False), DENSECL
# mmseg/models/backbones/resnet.py:677-687), depth 50, SyncBN (:2),
# norm_eval False, pytorch style, contract_dilation True.
BACKBONE = dict(
    type='ResNet',
    depth=50,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    norm_cfg=SYNCBN,
    norm_eval=False,
    style='pytorch',
    contract_dilation=True)
D8 = dict(dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1))  # fcn_r50-d8.py:10-11
# SLOTCON voc12aug/fcn_d6_r50-d16_513x513_30k_voc12aug_moco.py:10 and
# cityscapes/fcn_d6_r50-d16_769x769_90k_cityscapes_moco.py:11
D16 = dict(dilations=(1, 1, 1, 2), strides=(1, 2, 2, 1))
# SLOTCON / DENSECL fcn_r50-d8.py:17-29 (decode head), :30-42 (aux head)
FCN_HEAD = dict(
    type='FCNHead',
    in_channels=2048,
    in_index=3,
    channels=512,
    num_convs=2,
    concat_input=True,
    dropout_ratio=0.1,
    norm_cfg=SYNCBN,
    align_corners=False,
    loss_decode=CE)
AUX_HEAD = dict(
    type='FCNHead',
    in_channels=1024,
    in_index=2,
    channels=256,
    num_convs=1,
    concat_input=False,
    dropout_ratio=0.1,
    norm_cfg=SYNCBN,
    align_corners=False,
    loss_decode=dict(CE, loss_weight=0.4))
# SLOTCON *_moco.py: channels 256, concat_input False, dropout_ratio 0,
# align_corners True, dilation 6 (voc :11-12, cityscapes :12-13)
D6_HEAD = dict(
    FCN_HEAD,
    channels=256,
    concat_input=False,
    dropout_ratio=0.,
    align_corners=True,
    dilation=6)
# img_norm_cfg: standard (e.g. SLOTCON datasets/pascal_voc12.py:4-5) and the
# *_moco one (datasets/pascal_voc12_aug_513x513_moco.py:3-4,
# cityscapes_769x769_moco.py:2-3), both to_rgb=True; Pad(pad_val=0,
# seg_pad_val=255) to the crop size after Normalize
NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375])
MOCO_NORM = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])


def preprocessor(norm, crop):
    return dict(
        type='SegDataPreProcessor',
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=crop,
        **norm)


def train_pipeline(scale,
                   crop,
                   cat_max_ratio=None,
                   photometric=True,
                   reduce_zero_label=False):
    """mmseg 0.x: LoadImageFromFile, LoadAnnotations, Resize(img_scale,
    ratio_range=(0.5, 2.0)) [keep_ratio defaults to True], RandomCrop,
    RandomFlip(prob=0.5), [PhotoMetricDistortion], Normalize, Pad, ..."""
    ann = (
        dict(type='LoadAnnotations', reduce_zero_label=True)
        if reduce_zero_label else dict(type='LoadAnnotations'))
    crop_t = dict(type='RandomCrop', crop_size=crop)
    if cat_max_ratio is not None:
        crop_t['cat_max_ratio'] = cat_max_ratio
    return [
        dict(type='LoadImageFromFile'), ann,
        dict(
            type='RandomResize',
            scale=scale,
            ratio_range=(0.5, 2.0),
            keep_ratio=True), crop_t,
        dict(type='RandomFlip', prob=0.5)
    ] + ([dict(type='PhotoMetricDistortion')]
         if photometric else []) + [dict(type='PackSegInputs')]


def eval_pipeline(scale, reduce_zero_label=False):
    """mmseg 0.x: MultiScaleFlipAug(img_scale, flip=False, [Resize(
    keep_ratio=True), ...]) -- one scale, no flip."""
    ann = (
        dict(type='LoadAnnotations', reduce_zero_label=True)
        if reduce_zero_label else dict(type='LoadAnnotations'))
    return [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=scale, keep_ratio=True), ann,
        dict(type='PackSegInputs')
    ]


def poly(max_iters, base_lr=0.01, power=0.9, min_lr=1e-4):
    """mmcv PolyLrUpdaterHook (mmseg 0.x lr_config policy='poly')."""
    return lambda i: (base_lr - min_lr) * (1 - i / max_iters)**power + min_lr


def step(base_lr, steps, gamma=0.1):
    """mmcv StepLrUpdaterHook (lr_config policy='step', list of steps)."""
    return lambda i: base_lr * gamma**sum(i >= s for s in steps)


VOC_ROOT = 'data/VOCdevkit/VOC2012'
CITY_ROOT = 'data/cityscapes/'
ADE_ROOT = 'data/ade/ADEChallengeData2016'
# SLOTCON / DENSECL datasets/pascal_voc12.py:38-50 + pascal_voc12_aug.py:3-9
VOC_TRAIN = [('SegmentationClass', 'ImageSets/Segmentation/train.txt'),
             ('SegmentationClassAug', 'ImageSets/Segmentation/aug.txt')]
VOC_VAL = dict(
    type='PascalVOCDataset',
    data_root=VOC_ROOT,
    data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
    ann_file='ImageSets/Segmentation/val.txt')
# SLOTCON / DENSECL datasets/cityscapes.py:3, :37-48
CITY_TRAIN = dict(
    type='CityscapesDataset',
    data_root=CITY_ROOT,
    data_prefix=dict(
        img_path='leftImg8bit/train', seg_map_path='gtFine/train'))
CITY_VAL = dict(
    type='CityscapesDataset',
    data_root=CITY_ROOT,
    data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'))
# SLOTCON datasets/ade20k.py:2-3, :37-48
ADE_TRAIN = dict(
    type='ADE20KDataset',
    data_root=ADE_ROOT,
    data_prefix=dict(
        img_path='images/training', seg_map_path='annotations/training'))
ADE_VAL = dict(
    type='ADE20KDataset',
    data_root=ADE_ROOT,
    data_prefix=dict(
        img_path='images/validation', seg_map_path='annotations/validation'))

PROTOCOLS = {
    # SLOTCON voc12aug/fcn_d6_r50-d16_513x513_30k_voc12aug_moco.py
    B + 'fcn-d6_r50-d16_2xb8-30k_voc12aug-513x513.py':
    dict(
        backbone=dict(BACKBONE, **D16),  # moco.py:10
        decode_head=dict(D6_HEAD, num_classes=21),  # moco.py:11-12
        auxiliary_head=None,  # moco.py:13
        test_cfg=dict(mode='whole'),  # models/fcn_r50-d8.py:45
        # datasets/pascal_voc12_aug_513x513_moco.py:3-5, :13
        data_preprocessor=preprocessor(MOCO_NORM, (513, 513)),
        # pascal_voc12_aug_513x513_moco.py:6-16: Resize (2049, 513), plain
        # RandomCrop (no cat_max_ratio), flip, no PhotoMetricDistortion
        train_pipeline=train_pipeline((2049, 513), (513, 513),
                                      photometric=False),
        train_datasets=[
            dict(
                type='PascalVOCDataset',
                data_root=VOC_ROOT,
                data_prefix=dict(img_path='JPEGImages', seg_map_path=seg),
                ann_file=split) for seg, split in VOC_TRAIN
        ],
        # pascal_voc12_aug_513x513_moco.py:17-31
        test_pipeline=eval_pipeline((2049, 513)),
        val_dataset=VOC_VAL,
        batch_size=8,  # moco.py:6 samples_per_gpu=8
        gpus=2,  # SLOTCON README.md:133
        total_batch=16,
        # schedules/schedule_30k_moco.py:2
        optimizer=dict(type='SGD', lr=0.003, momentum=0.9, weight_decay=1e-4),
        lr=step(0.003, [21000, 27000]),  # schedule_30k_moco.py:5
        max_iters=30000,  # schedule_30k_moco.py:7
        checkpoint_interval=3000,  # schedule_30k_moco.py:8
        val_interval=3000,  # schedule_30k_moco.py:9, metric mIoU
    ),
    # SLOTCON cityscapes/fcn_d6_r50-d16_769x769_90k_cityscapes_moco.py
    B + 'fcn-d6_r50-d16_2xb8-90k_cityscapes-769x769.py':
    dict(
        backbone=dict(BACKBONE, **D16),  # moco.py:11
        # moco.py:12-13; num_classes 19 from models/fcn_r50-d8.py:25
        decode_head=dict(D6_HEAD, num_classes=19),
        auxiliary_head=None,  # moco.py:14
        # moco.py:15
        test_cfg=dict(mode='slide', crop_size=(769, 769), stride=(513, 513)),
        # datasets/cityscapes_769x769_moco.py:2-4, :12
        data_preprocessor=preprocessor(MOCO_NORM, (769, 769)),
        # cityscapes_769x769_moco.py:5-15: Resize (2049, 1025), plain
        # RandomCrop, flip, no PhotoMetricDistortion
        train_pipeline=train_pipeline((2049, 1025), (769, 769),
                                      photometric=False),
        train_datasets=[CITY_TRAIN],
        test_pipeline=eval_pipeline((2049, 1025)),  # moco.py:16-30
        val_dataset=CITY_VAL,
        batch_size=8,  # moco.py:7 samples_per_gpu=8
        gpus=2,  # SLOTCON README.md:133
        total_batch=16,
        # schedules/schedule_90k_moco.py:2
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
        lr=step(0.01, [63000, 81000]),  # schedule_90k_moco.py:5
        max_iters=90000,  # schedule_90k_moco.py:7
        checkpoint_interval=9000,  # schedule_90k_moco.py:8
        val_interval=9000,  # schedule_90k_moco.py:9, metric mIoU
    ),
    # SLOTCON ade20k/fcn_r50-d8_512x512_80k_ade20k.py
    B + 'fcn_r50-d8_4xb4-80k_ade20k-512x512.py':
    dict(
        backbone=dict(BACKBONE, **D8),  # models/fcn_r50-d8.py:5-16
        decode_head=dict(FCN_HEAD, num_classes=150),  # ade20k.py:5-6
        auxiliary_head=dict(AUX_HEAD, num_classes=150),
        test_cfg=dict(mode='whole'),  # models/fcn_r50-d8.py:45
        # datasets/ade20k.py:4-6, :15
        data_preprocessor=preprocessor(NORM, (512, 512)),
        # datasets/ade20k.py:7-18
        train_pipeline=train_pipeline((2048, 512), (512, 512),
                                      cat_max_ratio=0.75,
                                      reduce_zero_label=True),
        train_datasets=[ADE_TRAIN],
        # datasets/ade20k.py:19-33 (ADE20KDataset reduce_zero_label=True)
        test_pipeline=eval_pipeline((2048, 512), reduce_zero_label=True),
        val_dataset=ADE_VAL,
        batch_size=4,  # datasets/ade20k.py:35
        gpus=4,  # SLOTCON README.md:133
        total_batch=16,
        # schedules/schedule_80k.py:2
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
        lr=poly(80000),  # schedule_80k.py:5
        max_iters=80000,  # schedule_80k.py:7
        checkpoint_interval=8000,  # schedule_80k.py:8
        val_interval=8000,  # schedule_80k.py:9, metric mIoU
    ),
    # DENSECL densecl/fcn_r50-d8_512x512_20k_voc12aug.py
    B + 'fcn_r50-d8_4xb4-20k_voc12aug-512x512.py':
    dict(
        backbone=dict(BACKBONE, **D8),  # densecl/fcn_r50-d8.py:6-16
        # densecl/fcn_r50-d8.py:17-42, voc12aug.py:5-6
        decode_head=dict(FCN_HEAD, num_classes=21),
        auxiliary_head=dict(AUX_HEAD, num_classes=21),
        test_cfg=dict(mode='whole'),  # densecl/fcn_r50-d8.py:45
        # _base_/datasets/pascal_voc12.py:4-6, :15
        data_preprocessor=preprocessor(NORM, (512, 512)),
        # _base_/datasets/pascal_voc12.py:7-18 (no Pad before normalising)
        train_pipeline=train_pipeline((2048, 512), (512, 512),
                                      cat_max_ratio=0.75),
        train_datasets=[
            dict(
                type='PascalVOCDataset',
                data_root=VOC_ROOT,
                data_prefix=dict(img_path='JPEGImages', seg_map_path=seg),
                ann_file=split) for seg, split in VOC_TRAIN
        ],
        test_pipeline=eval_pipeline((2048, 512)),  # pascal_voc12.py:19-33
        val_dataset=VOC_VAL,
        batch_size=4,  # pascal_voc12.py:35
        gpus=4,  # DenseCL benchmarks/detection/README.md:40
        total_batch=16,
        # _base_/schedules/schedule_20k.py:2
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
        lr=poly(20000),  # schedule_20k.py:5
        max_iters=20000,  # schedule_20k.py:7
        checkpoint_interval=2000,  # schedule_20k.py:8
        val_interval=2000,  # schedule_20k.py:9, metric mIoU
    ),
    # DENSECL densecl/fcn_r50-d8_769x769_40k_cityscapes.py
    B + 'fcn_r50-d8_4xb2-40k_cityscapes-769x769.py':
    dict(
        backbone=dict(BACKBONE, **D8),  # densecl/fcn_r50-d8.py:6-16
        # densecl/fcn_r50-d8.py:17-42, cityscapes.py:6-8
        decode_head=dict(FCN_HEAD, num_classes=19, align_corners=True),
        auxiliary_head=dict(AUX_HEAD, num_classes=19, align_corners=True),
        # cityscapes.py:9
        test_cfg=dict(mode='slide', crop_size=(769, 769), stride=(513, 513)),
        # _base_/datasets/cityscapes_769x769.py:2-4, :13
        data_preprocessor=preprocessor(NORM, (769, 769)),
        # cityscapes_769x769.py:5-16
        train_pipeline=train_pipeline((2049, 1025), (769, 769),
                                      cat_max_ratio=0.75),
        train_datasets=[CITY_TRAIN],
        test_pipeline=eval_pipeline((2049, 1025)),  # :17-31
        val_dataset=CITY_VAL,
        batch_size=2,  # _base_/datasets/cityscapes.py:35
        gpus=4,  # DenseCL benchmarks/detection/README.md:40
        total_batch=8,
        # _base_/schedules/schedule_40k.py:2
        optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4),
        lr=poly(40000),  # schedule_40k.py:5
        max_iters=40000,  # schedule_40k.py:7
        checkpoint_interval=4000,  # schedule_40k.py:8
        val_interval=4000,  # schedule_40k.py:9, metric mIoU
    ),
}
CONFIGS = sorted(PROTOCOLS)


def _plain(x):
    """Config values as plain python: ConfigDict -> dict without `_scope_`,
    lists of tuples kept as they are."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items() if k != '_scope_'}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x


_CFGS = {}


def _cfg(path):
    if path not in _CFGS:
        _CFGS[path] = Config.fromfile(osp.join(REPO, path))
    return _CFGS[path]


def test_every_mmseg_benchmark_is_covered():
    import glob
    found = {
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, B, '*.py'))
        if not osp.basename(p).startswith('_')
    }
    assert found == set(PROTOCOLS)


@pytest.mark.parametrize('path', CONFIGS)
def test_model_settings(path):
    want, cfg = PROTOCOLS[path], _cfg(path)
    model = _plain(cfg.model)
    assert model['type'] == 'EncoderDecoder'
    assert model['backbone'] == want['backbone']
    head = dict(model['decode_head'])
    assert head.pop('dilation', 1) == want['decode_head'].get('dilation', 1)
    assert head == {
        k: v
        for k, v in want['decode_head'].items() if k != 'dilation'
    }
    assert model.get('auxiliary_head') == want['auxiliary_head']
    assert model['test_cfg'] == want['test_cfg']
    assert model['data_preprocessor'] == want['data_preprocessor']
    assert model['train_cfg'] == {}
    # no downloaded init; the weights come from the LoadPretrainedHook
    assert model.get('pretrained') is None
    assert 'init_cfg' not in model['backbone']
    assert cfg.pretrained is None and cfg.load_from is None
    assert _plain(cfg.custom_hooks) == [
        dict(
            type='mmdense.engine.LoadPretrainedHook',
            groups=['backbone'],
            decoder_groups=['decode_head.convs'])
    ]


@pytest.mark.parametrize('path', CONFIGS)
def test_data_settings(path):
    want, cfg = PROTOCOLS[path], _cfg(path)
    train = cfg.train_dataloader
    assert train.batch_size == want['batch_size']
    assert want['batch_size'] * want['gpus'] == want['total_batch']
    # recorded for tools/train.py --auto-scale-lr, which stays opt-in
    assert _plain(
        cfg.auto_scale_lr) == dict(base_batch_size=want['total_batch'])
    # the header comment tells how many GPUs the protocol runs on
    with open(osp.join(REPO, path)) as f:
        assert f'{want["gpus"]} GPUs' in f.read()
    assert train.sampler.type == 'InfiniteSampler' and train.sampler.shuffle
    datasets = (
        train.dataset.datasets
        if train.dataset.type == 'ConcatDataset' else [train.dataset])
    assert len(datasets) == len(want['train_datasets'])
    for ds, want_ds in zip(datasets, want['train_datasets']):
        ds = _plain(ds)
        assert ds.pop('pipeline') == want['train_pipeline']
        assert ds == want_ds
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        assert loader.batch_size == 1
        ds = _plain(loader.dataset)
        assert ds.pop('pipeline') == want['test_pipeline']
        assert ds == want['val_dataset']
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert _plain(evaluator) == dict(
            type='IoUMetric', iou_metrics=['mIoU'])


@pytest.mark.parametrize('path', CONFIGS)
def test_pipelines_build_with_the_source_defaults(path):
    """Defaults left implicit are the source's: RandomCrop cat_max_ratio 1
    (off) unless set, keep_ratio resize, no Pad before normalisation."""
    from mmseg.registry import TRANSFORMS
    cfg = _cfg(path)
    ds = cfg.train_dataloader.dataset
    pipeline = (ds.datasets[0] if ds.type == 'ConcatDataset' else ds).pipeline
    with DefaultScope.overwrite_default_scope('mmseg'):
        built = [TRANSFORMS.build(t) for t in pipeline]
        [TRANSFORMS.build(t) for t in cfg.val_dataloader.dataset.pipeline]
    names = [type(t).__name__ for t in built]
    assert 'Pad' not in names and 'Normalize' not in names
    crop = built[names.index('RandomCrop')]
    want = PROTOCOLS[path]['train_pipeline'][3].get('cat_max_ratio', 1.)
    assert crop.cat_max_ratio == want


@pytest.mark.parametrize('path', CONFIGS)
def test_schedule_settings(path):
    """SGD, no clipping, no warm-up; the lr of every iteration equals mmcv's
    lr hook of the source (poly / step), as the runner would set it."""
    from mmseg.registry import PARAM_SCHEDULERS
    want, cfg = PROTOCOLS[path], _cfg(path)
    optim = _plain(cfg.optim_wrapper)
    assert optim['type'] == 'OptimWrapper'
    assert optim.get('clip_grad') is None
    assert 'paramwise_cfg' not in optim
    assert optim['optimizer'] == want['optimizer']
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    assert cfg.train_cfg.max_iters == want['max_iters']
    assert cfg.train_cfg.val_interval == want['val_interval']
    assert cfg.default_hooks.checkpoint.interval == want['checkpoint_interval']
    assert cfg.default_hooks.checkpoint.by_epoch is False
    assert cfg.env_cfg.cudnn_benchmark is True  # default_runtime.py:14

    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=want['optimizer']['lr'], momentum=0.9)
    with DefaultScope.overwrite_default_scope('mmseg'):
        schedulers = [
            PARAM_SCHEDULERS.build(dict(s, optimizer=opt))
            for s in cfg.param_scheduler
        ]
    assert all(s.param_name == 'lr' and not s.by_epoch for s in schedulers)
    expected = want['lr']
    worst = 0.
    for i in range(want['max_iters']):
        lr = opt.param_groups[0]['lr']
        worst = max(worst, abs(lr - expected(i)) / expected(i))
        for s in schedulers:  # ParamSchedulerHook.after_train_iter
            s.step()
    assert worst < 1e-9, worst


_MODELS = {}


def _model(path):
    if path not in _MODELS:
        from mmseg.registry import MODELS
        with DefaultScope.overwrite_default_scope('mmseg'):
            _MODELS[path] = MODELS.build(_cfg(path).model)
    return _MODELS[path]


@pytest.mark.parametrize('path', CONFIGS)
def test_model_builds_as_the_source_network(path):
    from mmseg.models.backbones import ResNet
    want, model = PROTOCOLS[path], _model(path)
    backbone = model.backbone
    # plain stem (SlotCon `ResNet`, DenseCL `ResNetNormal`), not ResNetV1c
    assert type(backbone) is ResNet
    assert not backbone.deep_stem and not backbone.avg_down
    assert backbone.conv1.kernel_size == (7, 7)
    assert isinstance(backbone.bn1, torch.nn.SyncBatchNorm)
    # contract_dilation: the first block of a dilated stage uses dilation / 2
    dil, strides = want['backbone']['dilations'], want['backbone']['strides']
    for i, (d, s) in enumerate(zip(dil, strides)):
        layer = getattr(backbone, f'layer{i + 1}')
        first = d // 2 if d > 1 else 1
        assert layer[0].conv2.dilation == (first, first)
        assert layer[1].conv2.dilation == (d, d)
        assert layer[0].conv2.stride == (s, s)  # pytorch style
    head, wh = model.decode_head, want['decode_head']
    assert head.num_classes == wh['num_classes']
    assert head.ignore_index == 255  # mmseg 0.x BaseDecodeHead default
    assert head.align_corners is wh['align_corners']
    assert head.concat_input is wh['concat_input']
    assert (head.dropout is None) == (wh['dropout_ratio'] == 0)
    assert len(head.convs) == 2
    for conv in head.convs:
        assert conv.conv.kernel_size == (3, 3)
        assert conv.conv.dilation == (wh.get('dilation', 1), ) * 2
        assert conv.conv.out_channels == wh['channels']
        assert isinstance(conv.bn, torch.nn.SyncBatchNorm)
    assert model.with_auxiliary_head == (want['auxiliary_head'] is not None)
    assert model.align_corners is wh['align_corners']
    pre = model.data_preprocessor
    torch.testing.assert_close(pre.mean.flatten(),
                               torch.tensor(want['data_preprocessor']['mean']))
    torch.testing.assert_close(pre.std.flatten(),
                               torch.tensor(want['data_preprocessor']['std']))
    assert pre.channel_conversion  # BGR -> RGB (to_rgb=True)
