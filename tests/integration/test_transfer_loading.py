"""Pre-trained weights of real DeCon demo runs into the benchmark models:
exact, loud, or an error."""
import os.path as osp

import pytest
import torch
from helpers import REPO, build_downstream, run_tool
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmdense.weights import PretrainedLoadError, load_pretrained

FAST = [
    'train_cfg.max_iters=2', 'train_dataloader.num_workers=0',
    'train_dataloader.persistent_workers=0'
]


@pytest.fixture(scope='module')
def demo_exports(tmp_path_factory, synthetic_root):
    """Real DeCon demo checkpoints (FPN and FCN decoders), exported."""
    import os
    work = tmp_path_factory.mktemp('pretrain')
    os.makedirs(work / 'data')
    os.symlink(synthetic_root, work / 'data' / 'synthetic')
    out = {}
    for name in ('demo', 'demo_fcn'):
        run_tool([
            'tools/train.py',
            osp.join(REPO, f'configs/decon/{name}.py'), '--work-dir',
            str(work / name), '--cfg-options', *FAST
        ],
                 cwd=work)
        out[name] = str(work / f'{name}.pth')
        run_tool([
            'tools/model_converters/extract_transfer_weights.py',
            str(work / name / 'iter_2.pth'), out[name]
        ],
                 cwd=work)
    return out


def _assert_equal_groups(model, path, groups):
    weights = torch.load(path, weights_only=True)['state_dict']
    own = model.state_dict()
    for group in groups:
        keys = [k for k in own if k.startswith(group + '.')]
        assert keys
        for k in keys:
            assert torch.equal(own[k], weights[k]), k


def test_decon_fpn_into_mask_rcnn_tensor_by_tensor(demo_exports):
    detector = build_downstream(
        'configs/benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py')
    report = load_pretrained(
        detector, demo_exports['demo'], groups=('backbone', 'neck'))
    assert report == {'backbone': '120/120 tensors', 'neck': '48/48 tensors'}
    _assert_equal_groups(detector, demo_exports['demo'], ('backbone', 'neck'))


def test_decon_fcn_into_fcn_convs_tensor_by_tensor(demo_exports):
    segmentor = build_downstream(
        'configs/benchmarks/synthetic/fcn-d6_r18-d16_synthetic-voc12aug.py')
    classifier = segmentor.decode_head.conv_seg.weight.clone()
    load_pretrained(
        segmentor,
        demo_exports['demo_fcn'],
        groups=('backbone', 'decode_head.convs'))
    _assert_equal_groups(segmentor, demo_exports['demo_fcn'],
                         ('backbone', 'decode_head.convs'))
    assert torch.equal(segmentor.decode_head.conv_seg.weight, classifier)


def test_encoder_only_checkpoint_asked_for_a_decoder(demo_exports):
    detector = build_downstream(
        'configs/benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py')
    with pytest.raises(
            PretrainedLoadError,
            match='"neck": the checkpoint has no key starting '
            'with "neck."'):
        load_pretrained(
            detector, demo_exports['demo_fcn'], groups=('backbone', 'neck'))


def test_wrong_prefix_and_v1c_stem_are_errors(demo_exports, tmp_path):
    weights = torch.load(demo_exports['demo'], weights_only=True)
    renamed = {
        k.replace('backbone.', 'encoder.'): v
        for k, v in weights['state_dict'].items()
    }
    bad = str(tmp_path / 'renamed.pth')
    torch.save(dict(state_dict=renamed), bad)
    detector = build_downstream(
        'configs/benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py')
    with pytest.raises(PretrainedLoadError, match='encoder'):
        load_pretrained(detector, bad, groups=('backbone', ))
    # mmseg's default deep stem (ResNetV1c) against a plain-stem checkpoint
    v1c = build_downstream(
        'configs/benchmarks/synthetic/fcn-d6_r18-d16_synthetic-voc12aug.py',
        backbone=dict(type='ResNetV1c'))
    with pytest.raises(PretrainedLoadError) as err:
        load_pretrained(v1c, demo_exports['demo_fcn'], groups=('backbone', ))
    assert 'backbone.stem.0.weight' in str(err.value)
    assert 'backbone.conv1.weight' in str(err.value)
    # the explicit opt-in loads what matches
    report = load_pretrained(
        v1c,
        demo_exports['demo_fcn'],
        groups=('backbone', ),
        allow_partial=True)
    assert report['backbone'].endswith('tensors')


def _with_init_cfgs(init_cfgs):
    """The synthetic Mask R-CNN, built with ``init_cfgs`` set as a user
    edits a stock config, then initialised."""
    cfg = Config.fromfile(
        osp.join(
            REPO, 'configs/benchmarks/synthetic/'
            'mask-rcnn_r18-fpn_synthetic-coco.py'))
    for group, init_cfg in init_cfgs.items():
        cfg.model[group].init_cfg = init_cfg
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
        model.init_weights()
    return model


def test_stock_init_cfg_with_the_printed_prefix_loads_n_of_n(demo_exports):
    """The exporter's init_cfg lines, pasted into a stock mmdet config, load
    every backbone and FPN tensor; without ``prefix`` nothing matches (the
    trap the printed line avoids)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'export_weights',
        osp.join(REPO, 'tools/model_converters/export_weights.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    path = demo_exports['demo']
    text = tool.how_to_load(path, ['backbone', 'neck'])
    init_cfgs = {
        line.split('.')[1]: eval(line.split(' = ', 1)[1], {'dict': dict})
        for line in text.splitlines() if '.init_cfg = ' in line
    }
    assert init_cfgs['backbone'] == dict(
        type='Pretrained', checkpoint=path, prefix='backbone.')
    detector = _with_init_cfgs(init_cfgs)
    _assert_equal_groups(detector, path, ('backbone', 'neck'))
    bare = _with_init_cfgs(
        dict(backbone=dict(type='Pretrained', checkpoint=path)))
    weights = torch.load(path, weights_only=True)['state_dict']
    assert not torch.equal(bare.backbone.conv1.weight,
                           weights['backbone.conv1.weight'])


@pytest.mark.parametrize(
    'export,decoder_groups',
    [
        ('demo', ['decode_head.convs']),  # an FPN export into an FCN benchmark
        ('demo_fcn', ['neck']),  # an FCN export into Mask R-CNN
    ])
def test_a_decoder_of_the_wrong_kind_is_an_error(demo_exports, export,
                                                 decoder_groups):
    from mmdense.engine import LoadPretrainedHook
    weights = torch.load(demo_exports[export], weights_only=True)
    weights = weights['state_dict']
    hook = LoadPretrainedHook(decoder_groups=decoder_groups)
    with pytest.raises(
            PretrainedLoadError,
            match='the checkpoint has a decoder this model does '
            'not take'):
        hook._groups(weights, 'auto')
    assert hook._groups(weights, False) == ('backbone', )  # explicit: fine


def test_a_dropped_loader_hook_fails_the_run(demo_exports, tmp_path):
    """A child config whose ``custom_hooks`` replaced the base's list loses
    LoadPretrainedHook: with ``pretrained`` set, building the Runner fails
    instead of training from random init."""
    from mmdense.engine import Runner
    cfg = Config.fromfile(
        osp.join(
            REPO, 'configs/benchmarks/synthetic/'
            'mask-rcnn_r18-fpn_synthetic-coco.py'))
    cfg.work_dir = str(tmp_path)
    cfg.pretrained = demo_exports['demo']
    cfg.custom_hooks = []
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        with pytest.raises(
                ValueError, match='no LoadPretrainedHook is registered'):
            Runner.from_cfg(cfg)


@pytest.mark.parametrize(
    'config,change',
    [
        # mmseg's model.pretrained = an mmdense export (keys keep `backbone.`)
        ('configs/benchmarks/synthetic/fcn-d6_r18-d16_synthetic-voc12aug.py',
         lambda cfg, path: cfg.model.update(pretrained=path)),
        # a stock init_cfg without prefix=
        ('configs/benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py',
         lambda cfg, path: cfg.model.backbone.update(
             init_cfg=dict(type='Pretrained', checkpoint=path))),
    ])
def test_an_init_cfg_that_would_load_nothing_fails_the_run(
        demo_exports, tmp_path, config, change):
    from mmdense.engine import Runner
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.work_dir = str(tmp_path)
    path = demo_exports['demo_fcn']
    change(cfg, path)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        with pytest.raises(PretrainedLoadError) as err:
            Runner.from_cfg(cfg)
    message = str(err.value)
    assert f'{path} (prefix=None) matches none of its' in message
    assert "add prefix='backbone.' to its init_cfg" in message
    # with the prefix the exporter prints, the run builds
    cfg.model.backbone.init_cfg = dict(
        type='Pretrained', checkpoint=path, prefix='backbone.')
    cfg.model.pop('pretrained', None)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        Runner.from_cfg(cfg)
