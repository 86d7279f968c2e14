"""Pre-trained weights into the benchmark models: exact, loud, or an error."""
import os.path as osp

import pytest
import torch
from conftest import REPO, run_tool
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmdense.engine.pretrained import PretrainedLoadError, load_pretrained

FAST = ['train_cfg.max_iters=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=0']


def build(config, **overrides):
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.merge_from_dict({f'model.{k}': v for k, v in overrides.items()})
    registry = __import__(f'{cfg.default_scope}.registry',
                          fromlist=['MODELS']).MODELS
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return registry.build(cfg.model)


@pytest.fixture(scope='module')
def demo_exports(tmp_path_factory, synthetic_root):
    """Real DeCon demo checkpoints (FPN and FCN decoders), exported."""
    import os
    work = tmp_path_factory.mktemp('pretrain')
    os.makedirs(work / 'data')
    os.symlink(synthetic_root, work / 'data' / 'synthetic')
    out = {}
    for name in ('demo', 'demo_fcn'):
        run_tool(['tools/train.py', osp.join(REPO, f'configs/decon/{name}.py'),
                  '--work-dir', str(work / name), '--cfg-options', *FAST],
                 cwd=work)
        out[name] = str(work / f'{name}.pth')
        run_tool(['tools/model_converters/extract_transfer_weights.py',
                  str(work / name / 'iter_2.pth'), out[name]], cwd=work)
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
    detector = build(
        'configs/benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py')
    report = load_pretrained(detector, demo_exports['demo'],
                             groups=('backbone', 'neck'))
    assert report == {'backbone': '120/120 tensors', 'neck': '48/48 tensors'}
    _assert_equal_groups(detector, demo_exports['demo'], ('backbone', 'neck'))


def test_decon_fcn_into_fcn_convs_tensor_by_tensor(demo_exports):
    segmentor = build(
        'configs/benchmarks/synthetic/fcn-d6_r18-d16_synthetic-voc12aug.py')
    classifier = segmentor.decode_head.conv_seg.weight.clone()
    load_pretrained(segmentor, demo_exports['demo_fcn'],
                    groups=('backbone', 'decode_head.convs'))
    _assert_equal_groups(segmentor, demo_exports['demo_fcn'],
                         ('backbone', 'decode_head.convs'))
    assert torch.equal(segmentor.decode_head.conv_seg.weight, classifier)


def test_encoder_only_checkpoint_asked_for_a_decoder(demo_exports):
    detector = build(
        'configs/benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py')
    with pytest.raises(PretrainedLoadError,
                       match='"neck": the checkpoint has no key starting '
                       'with "neck."'):
        load_pretrained(detector, demo_exports['demo_fcn'],
                        groups=('backbone', 'neck'))


def test_wrong_prefix_and_v1c_stem_are_errors(demo_exports, tmp_path):
    weights = torch.load(demo_exports['demo'], weights_only=True)
    renamed = {k.replace('backbone.', 'encoder.'): v
               for k, v in weights['state_dict'].items()}
    bad = str(tmp_path / 'renamed.pth')
    torch.save(dict(state_dict=renamed), bad)
    detector = build(
        'configs/benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py')
    with pytest.raises(PretrainedLoadError, match='encoder'):
        load_pretrained(detector, bad, groups=('backbone', ))
    # mmseg's default deep stem (ResNetV1c) against a plain-stem checkpoint
    v1c = build(
        'configs/benchmarks/synthetic/fcn-d6_r18-d16_synthetic-voc12aug.py',
        backbone=dict(type='ResNetV1c'))
    with pytest.raises(PretrainedLoadError) as err:
        load_pretrained(v1c, demo_exports['demo_fcn'], groups=('backbone', ))
    assert 'backbone.stem.0.weight' in str(err.value)
    assert 'backbone.conv1.weight' in str(err.value)
    # the explicit opt-in loads what matches
    report = load_pretrained(v1c, demo_exports['demo_fcn'],
                             groups=('backbone', ), allow_partial=True)
    assert report['backbone'].endswith('tensors')


def test_c4_maps_res5_into_the_shared_head(tmp_path):
    from mmpretrain.models import ResNet
    resnet = ResNet(depth=50)
    weights = {f'backbone.{k}': v for k, v in resnet.state_dict().items()}
    path = str(tmp_path / 'r50.pth')
    torch.save(dict(state_dict=weights), path)
    c4 = build('configs/benchmarks/mmdet/'
               'faster-rcnn_r50-syncbn-c4_ms-24k_voc0712.py')
    report = load_pretrained(
        c4, path, groups=('backbone', 'roi_head.shared_head.layer4'),
        key_map={'backbone.layer4.': 'roi_head.shared_head.layer4.'})
    n = len(resnet.layer4.state_dict())
    assert report['roi_head.shared_head.layer4'] == f'{n}/{n} tensors'
    assert torch.equal(c4.roi_head.shared_head.layer4[2].conv3.weight,
                       resnet.layer4[2].conv3.weight)
    assert torch.equal(c4.backbone.layer3[0].conv1.weight,
                       resnet.layer3[0].conv1.weight)


def test_a_training_checkpoint_is_not_taken_as_weights(tmp_path):
    from mmengine.logging import HistoryBuffer
    path = str(tmp_path / 'train.pth')
    torch.save(dict(state_dict={}, message_hub=HistoryBuffer()), path)
    with pytest.raises(PretrainedLoadError, match='export the weights'):
        load_pretrained(torch.nn.Linear(1, 1), path)
