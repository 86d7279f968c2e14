"""Model converters: exports (mm / detectron2 / torchvision) checked against
independently built targets, refusal of partial results, imports of fake
official checkpoints (MoCo, SlotCon, DenseCL, DeCon) in their documented
layouts, weights-only loading of external files."""
import argparse
import os
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torchvision
from helpers import ddp_encoders, slotcon_obj, tv18
from mmengine.registry import DefaultScope

from mmdense.engine import TransferMetaHook
from mmdense.registry import MODELS
from mmdense.weights import (ConversionError, export_weights,
                             extract_transfer_weights, import_official,
                             import_official_file)

STATS = ('weight', 'bias', 'running_mean', 'running_var')


def _copy(ckpt):
    """A checkpoint dict whose state_dict can be edited (tensors shared)."""
    return dict(state_dict=dict(ckpt['state_dict']), meta=ckpt['meta'])


def _d2_resnet50_names():
    """detectron2's ResNet-50 names, written out here independently of the
    library: stem, res2..res5 with (3, 4, 6, 3) bottlenecks, FrozenBN."""
    names = ['stem.conv1.weight'] + ['stem.conv1.norm.' + s for s in STATS]
    for res, blocks in ((2, 3), (3, 4), (4, 6), (5, 3)):
        for b in range(blocks):
            convs = ['conv1', 'conv2', 'conv3'
                     ] + (['shortcut'] if b == 0 else [])
            for c in convs:
                names.append(f'res{res}.{b}.{c}.weight')
                names += [f'res{res}.{b}.{c}.norm.{s}' for s in STATS]
    return names


def test_torchvision_export_loads_strict(decon, tmp_path):
    path, _, model = decon
    out = tmp_path / 'r50_tv.pth'
    report = export_weights(path, str(out), 'torchvision')
    weights = torch.load(out, weights_only=True)
    assert not any(k.startswith('fc.') for k in weights)
    assert any('fc' in n for n in report['notes'])  # reported as absent
    assert report['source'] == 'teacher'  # DeCon's default
    resnet = torchvision.models.resnet50()
    weights['fc.weight'] = resnet.fc.weight.detach().clone()
    weights['fc.bias'] = resnet.fc.bias.detach().clone()
    resnet.load_state_dict(weights, strict=True)  # every key, right shapes
    teacher = model.teacher_backbone.state_dict()
    for k, v in resnet.state_dict().items():
        if not k.startswith('fc.'):
            assert torch.equal(v, teacher[k]), k
    assert torch.equal(resnet.layer4[2].bn3.running_var,
                       model.teacher_backbone.layer4[2].bn3.running_var)


def test_detectron2_export_names_and_values(decon, tmp_path):
    _, ckpt, model = decon
    out = tmp_path / 'r50_d2.pkl'
    export_weights(ckpt, str(out), 'detectron2')
    with open(out, 'rb') as f:
        obj = pickle.load(f)
    assert obj['__author__'] == 'mmdense' and obj['matching_heuristics']
    d2 = obj['model']
    assert all(isinstance(v, np.ndarray) for v in d2.values())
    backbone = [k for k in d2 if not k.startswith('fpn_')]
    assert sorted(backbone) == sorted(_d2_resnet50_names())
    assert len(backbone) == 265  # 53 convs + 53 norms x 4
    assert not any('num_batches_tracked' in k for k in d2)
    fpn = {
        f'fpn_{m}{s}.{p}'
        for m in ('lateral', 'output')
        for s in (2, 3, 4, 5)
        for p in ['weight'] + ['norm.' + s_ for s_ in STATS]
    }
    assert set(d2) - set(backbone) == fpn
    t, dec = model.teacher_backbone, model.teacher_decoder
    known = {
        'stem.conv1.weight': t.conv1.weight,
        'stem.conv1.norm.running_mean': t.bn1.running_mean,
        'res2.0.shortcut.weight': t.layer1[0].downsample[0].weight,
        'res3.0.shortcut.norm.bias': t.layer2[0].downsample[1].bias,
        'res4.5.conv2.norm.weight': t.layer3[5].bn2.weight,
        'res5.2.conv3.norm.running_var': t.layer4[2].bn3.running_var,
        'res5.2.conv3.weight': t.layer4[2].conv3.weight,
        'fpn_lateral2.weight': dec.lateral_convs[0].conv.weight,
        'fpn_lateral5.norm.running_var': dec.lateral_convs[3].bn.running_var,
        'fpn_output2.weight': dec.fpn_convs[0].conv.weight,
        'fpn_output5.norm.running_mean': dec.fpn_convs[3].bn.running_mean,
    }
    for name, tensor in known.items():
        np.testing.assert_array_equal(
            d2[name], tensor.detach().numpy(), err_msg=name)
    # the student on request
    export_weights(ckpt, str(out), 'detectron2', source='student')
    with open(out, 'rb') as f:
        np.testing.assert_array_equal(
            pickle.load(f)['model']['stem.conv1.weight'],
            model.backbone.conv1.weight.detach().numpy())


def test_mm_export_is_the_transfer_weights(decon, tmp_path):
    _, ckpt, _ = decon
    out = tmp_path / 'mm.pth'
    report = export_weights(ckpt, str(out), 'mm')
    exported = torch.load(out, weights_only=True)  # plain tensors
    expected = extract_transfer_weights(ckpt)
    assert list(exported['state_dict']) == list(expected)
    assert all(
        torch.equal(exported['state_dict'][k], v) for k, v in expected.items())
    assert exported['meta']['groups'] == ['backbone', 'neck']
    assert report['decoder']['neck']['type'] == 'FPN'
    assert report['backbone'] == 'ResNet-50'


@pytest.mark.parametrize('fmt', ['mm', 'detectron2', 'torchvision'])
def test_partial_backbone_is_refused_with_a_diff(tmp_path, fmt):
    teacher = {
        'teacher_backbone.' + k: v
        for k, v in tv18(51).items() if not k.startswith('fc.')
    }
    meta = dict(
        transfer=dict(
            source='teacher', teacher={'backbone.': 'teacher_backbone.'}))
    state = dict(teacher)
    del state['teacher_backbone.layer3.1.bn2.running_var']
    out = tmp_path / 'partial.out'
    with pytest.raises(
            ConversionError,
            match=r'backbone\.layer3\.1\.bn2\.running_var') as err:
        export_weights(dict(state_dict=state, meta=meta), str(out), fmt)
    if fmt == 'detectron2':  # named in the target's terms too
        assert "detectron2 keys missing (1): ['res4.1.conv2.norm." \
            "running_var']" in str(err.value)
    assert os.listdir(tmp_path) == []  # nothing written, no temp file left
    state = dict(teacher)
    state['teacher_backbone.layer4.0.extra.weight'] = torch.zeros(1)
    with pytest.raises(
            ConversionError,
            match=r'not mapped.*'
            r'backbone\.layer4\.0\.extra\.weight'):
        export_weights(dict(state_dict=state, meta=meta), str(out), fmt)
    state = dict(teacher)
    state['teacher_backbone.layer1.0.conv1.weight'] = torch.zeros(64, 64, 1, 1)
    with pytest.raises(
            ConversionError,
            match=r'shapes different.*'
            r'layer1\.0\.conv1\.weight: \(64, 64, 1, 1\)'):
        export_weights(dict(state_dict=state, meta=meta), str(out), fmt)
    export_weights(dict(state_dict=teacher, meta=meta), str(out), fmt)
    assert os.listdir(tmp_path) == ['partial.out']


def test_partial_decoder_is_refused_unless_asked(decon, tmp_path):
    ckpt = _copy(decon[1])
    del ckpt['state_dict']['teacher_decoder.fpn_convs.3.bn.bias']
    with pytest.raises(ConversionError, match=r'neck\.fpn_convs\.3\.bn\.bias'):
        export_weights(ckpt, str(tmp_path / 'a.pkl'), 'detectron2')
    report = export_weights(
        ckpt, str(tmp_path / 'a.pkl'), 'detectron2', partial_decoder=True)
    assert report['missing_decoder'] == ['neck.fpn_convs.3.bn.bias']
    report = export_weights(
        ckpt, str(tmp_path / 'b.pkl'), 'detectron2', decoder=False)
    with open(tmp_path / 'b.pkl', 'rb') as f:
        assert not any(k.startswith('fpn_') for k in pickle.load(f)['model'])


def _moco_v2_file(path):
    """facebookresearch/moco main_moco.py: {'epoch', 'arch', 'state_dict':
    DDP(MoCo).state_dict(), 'optimizer'}; encoder_* are torchvision ResNets
    whose fc became Sequential(Linear, ReLU, Linear) with --mlp."""
    state = {}
    for enc, seed in (('encoder_q', 11), ('encoder_k', 12)):
        for k, v in tv18(seed).items():
            if not k.startswith('fc.'):
                state[f'module.{enc}.{k}'] = v
        state[f'module.{enc}.fc.0.weight'] = torch.randn(512, 512)
        state[f'module.{enc}.fc.0.bias'] = torch.randn(512)
        state[f'module.{enc}.fc.2.weight'] = torch.randn(128, 512)
        state[f'module.{enc}.fc.2.bias'] = torch.randn(128)
    state['module.queue'] = torch.randn(128, 16)
    state['module.queue_ptr'] = torch.zeros(1, dtype=torch.long)
    torch.save(
        dict(
            epoch=200,
            arch='resnet18',
            state_dict=state,
            optimizer=dict(
                state={}, param_groups=[dict(lr=0.03, params=[0, 1])])), path)
    return tv18(11)


def test_moco_import_then_export(tmp_path):
    query = _moco_v2_file(tmp_path / 'moco_v2.pth.tar')
    info = import_official_file(
        str(tmp_path / 'moco_v2.pth.tar'), str(tmp_path / 'moco.pth'))
    assert info['method'] == 'mocov2' and info['transfer']['source'] == \
        'student'
    assert any('fc' in n for n in info['notes'])
    export_weights(str(tmp_path / 'moco.pth'), str(tmp_path / 'mm.pth'))
    state = torch.load(tmp_path / 'mm.pth', weights_only=True)['state_dict']
    assert not any('fc' in k for k in state)
    expected = {
        'backbone.' + k: v
        for k, v in query.items() if not k.startswith('fc.')
    }
    assert state.keys() == expected.keys()
    assert all(torch.equal(state[k], v) for k, v in expected.items())
    # and into torchvision, strict
    ckpt = torch.load(tmp_path / 'moco.pth', weights_only=True)  # tensors
    export_weights(ckpt, str(tmp_path / 'tv.pth'), 'torchvision')
    tv = torch.load(tmp_path / 'tv.pth', weights_only=True)
    model = torchvision.models.resnet18()
    tv['fc.weight'], tv['fc.bias'] = model.fc.weight, model.fc.bias
    model.load_state_dict(tv, strict=True)
    assert torch.equal(model.layer2[0].downsample[1].running_var,
                       query['layer2.0.downsample.1.running_var'])


def test_slotcon_import_defaults_to_the_teacher(tmp_path):
    obj, student, teacher = slotcon_obj()
    ckpt = import_official(obj)
    assert ckpt['meta']['imported']['method'] == 'slotcon'
    assert ckpt['meta']['transfer']['source'] == 'teacher'
    for source, ref in ((None, teacher), ('student', student)):
        export_weights(ckpt, str(tmp_path / 'm.pth'), 'mm', source=source)
        state = torch.load(tmp_path / 'm.pth', weights_only=True)['state_dict']
        assert all(
            torch.equal(state['backbone.' + k], v) for k, v in ref.items()
            if not k.startswith('fc.'))
        assert len(state) == len(ref) - 2


def test_pickled_objects_need_trust(tmp_path):
    obj, _, teacher = slotcon_obj(args=argparse.Namespace(arch='resnet18'))
    src = str(tmp_path / 'ckpt_epoch_800.pth')
    torch.save(obj, src)
    with pytest.raises(ConversionError, match=r'argparse\.Namespace.*--trust'):
        import_official_file(src, str(tmp_path / 'out.pth'))
    assert not (tmp_path / 'out.pth').exists()
    info = import_official_file(src, str(tmp_path / 'out.pth'), trust=True)
    assert info['method'] == 'slotcon'
    # the imported file itself is plain tensors
    out = torch.load(tmp_path / 'out.pth', weights_only=True)
    assert torch.equal(out['state_dict']['teacher_backbone.conv1.weight'],
                       teacher['conv1.weight'])


def test_densecl_layouts(tmp_path):
    q, k = tv18(31), tv18(32)
    # OpenSelfSup DenseCL: encoder_q = Sequential(backbone, neck), and
    # `backbone` registered again as encoder_q[0]
    state = {f'encoder_q.0.{n}': v for n, v in q.items() if 'fc' not in n}
    state.update({
        f'encoder_k.0.{n}': v
        for n, v in k.items() if 'fc' not in n
    })
    state.update({f'backbone.{n}': v for n, v in q.items() if 'fc' not in n})
    state['encoder_q.1.mlp.0.weight'] = torch.randn(8, 512)
    state['queue'], state['queue2'] = torch.randn(4, 8), torch.randn(4, 8)
    ckpt = import_official(dict(state_dict=state, meta=dict(epoch=800)))
    assert ckpt['meta']['imported']['method'] == 'densecl'
    weights = extract_transfer_weights(ckpt)  # student by default
    assert torch.equal(weights['backbone.layer1.0.conv1.weight'],
                       q['layer1.0.conv1.weight'])
    teacher = extract_transfer_weights(ckpt, 'teacher')
    assert torch.equal(teacher['backbone.layer1.0.conv1.weight'],
                       k['layer1.0.conv1.weight'])
    # the released file (tools/extract_backbone_weights.py)
    bare = {n: v for n, v in q.items() if 'fc' not in n}
    ckpt = import_official(dict(state_dict=bare, author='DenseCL'))
    assert ckpt['meta']['transfer'] == dict(
        source='student', student={'backbone.': 'backbone.'})
    # a bare file without a hint needs --method
    with pytest.raises(ConversionError, match='--method'):
        import_official(dict(state_dict=bare))
    ckpt = import_official(dict(state_dict=bare), method='slotcon')
    assert ckpt['meta']['transfer']['source'] == 'teacher'


def _d2_fpn(channels, seed, outputs=(2, )):
    """detectron2 FPN (norm='BN') keys as DeCon's FPNDecoder has them: all
    laterals, output convs of `outputs` only (only_keep_last_output_conv)."""
    gen = torch.Generator().manual_seed(seed)
    sd = {}

    def conv(name, shape):
        sd[name + '.weight'] = torch.rand(shape, generator=gen)
        for s in STATS:
            sd[f'{name}.norm.{s}'] = torch.rand(256, generator=gen) + 0.1
        sd[f'{name}.norm.num_batches_tracked'] = torch.tensor(5)

    for s, c in zip((2, 3, 4, 5), channels):
        conv(f'fpn_lateral{s}', (256, c, 1, 1))
    for s in outputs:
        conv(f'fpn_output{s}', (256, 256, 3, 3))
    return sd


def test_decon_fpn_import_and_round_trip(tmp_path):
    from mmdet.models.necks import FPN
    obj, student, teacher = slotcon_obj()
    dec_k = _d2_fpn((64, 128, 256, 512), 41)
    obj['model'].update({'module.decoder_k.' + k: v for k, v in dec_k.items()})
    obj['model'].update({
        'module.decoder_q.' + k: v
        for k, v in _d2_fpn((64, 128, 256, 512), 42).items()
    })
    ckpt = import_official(obj)
    meta = ckpt['meta']
    assert meta['imported']['method'] == 'decon'
    assert meta['transfer']['teacher'] == {
        'backbone.': 'teacher_backbone.',
        'neck.': 'teacher_decoder.'
    }
    assert any('incomplete' in n for n in meta['imported']['notes'])
    neck = extract_transfer_weights(ckpt)
    neck = {k[5:]: v for k, v in neck.items() if k.startswith('neck.')}
    fpn = FPN([64, 128, 256, 512],
              256,
              4,
              norm_cfg=dict(type='BN', requires_grad=True))
    missing, unexpected = fpn.load_state_dict(neck, strict=False)
    assert unexpected == []
    assert sorted({k.rsplit('.', 1)[0]
                   for k in missing}) == [
                       'fpn_convs.1.bn', 'fpn_convs.1.conv', 'fpn_convs.2.bn',
                       'fpn_convs.2.conv', 'fpn_convs.3.bn', 'fpn_convs.3.conv'
                   ]
    assert torch.equal(fpn.lateral_convs[3].bn.running_var,
                       dec_k['fpn_lateral5.norm.running_var'])
    torch.save(ckpt, tmp_path / 'decon.pth')
    with pytest.raises(
            ConversionError, match=r'neck\.fpn_convs\.1\.conv\.weight'):
        export_weights(
            str(tmp_path / 'decon.pth'), str(tmp_path / 'o.pkl'), 'detectron2')
    export_weights(
        str(tmp_path / 'decon.pth'),
        str(tmp_path / 'o.pkl'),
        'detectron2',
        partial_decoder=True)
    with open(tmp_path / 'o.pkl', 'rb') as f:
        d2 = pickle.load(f)['model']
    # the decoder comes back under its detectron2 names, same values
    fpn_out = {k: v for k, v in d2.items() if k.startswith('fpn_')}
    assert set(fpn_out) == {
        k
        for k in dec_k if not k.endswith('num_batches_tracked')
    }
    for k, v in fpn_out.items():
        np.testing.assert_array_equal(v, dec_k[k].numpy())
    np.testing.assert_array_equal(d2['res4.1.conv2.norm.bias'],
                                  teacher['layer3.1.bn2.bias'].numpy())


def test_decon_fcn_import():
    obj, _, teacher = slotcon_obj()
    gen = torch.Generator().manual_seed(5)
    for i, cin in enumerate((512, 256)):
        for enc in ('decoder_q', 'decoder_k'):
            p = f'module.{enc}.convs.{i}.'
            obj['model'][p + 'conv.weight'] = torch.rand((256, cin, 3, 3),
                                                         generator=gen)
            for s in STATS:
                obj['model'][p + 'bn.' + s] = torch.rand(256, generator=gen)
            obj['model'][p + 'bn.num_batches_tracked'] = torch.tensor(1)
    ckpt = import_official(obj)
    weights = extract_transfer_weights(ckpt)
    assert {k.split('.')[0] for k in weights} == {'backbone', 'decode_head'}
    assert torch.equal(
        weights['decode_head.convs.1.bn.running_mean'],
        obj['model']['module.decoder_k.convs.1.bn.'
                     'running_mean'])
    with pytest.raises(ConversionError, match='no detectron2 counterpart'):
        from mmdense.weights import convert_transfer_weights
        convert_transfer_weights(weights, 'detectron2')


def test_detectron2_export_notes_r18_and_fpn_norm(tmp_path):
    """detectron2 needs RES2_OUT_CHANNELS 64 for R18/R34 and FPN.NORM set
    to the norm the DeCon FPN was pre-trained with."""
    with DefaultScope.overwrite_default_scope('mmdense'):
        model = MODELS.build(
            dict(
                type='DeCon',
                backbone=dict(
                    type='ResNet', depth=18, out_indices=(0, 1, 2, 3)),
                head=dict(
                    type='SlotConHead',
                    in_channels=512,
                    num_prototypes=4,
                    hid_channels=8,
                    out_channels=4),
                decoder=dict(
                    type='mmdet.FPN',
                    in_channels=[64, 128, 256, 512],
                    out_channels=64,
                    num_outs=4,
                    norm_cfg=dict(type='BN', requires_grad=True))))
    ckpt = dict(state_dict=model.state_dict(), meta={})
    TransferMetaHook().before_save_checkpoint(
        SimpleNamespace(model=model), ckpt)
    report = export_weights(ckpt, str(tmp_path / 'r18.pkl'), 'detectron2')
    notes = ' '.join(report['notes'])
    assert 'MODEL.RESNETS.RES2_OUT_CHANNELS 64' in notes
    assert 'MODEL.FPN.NORM "SyncBN"' in notes


def test_pixpro_import_defaults_to_the_student(tmp_path):
    """zdaxie/PixPro main_pretrain.py save_checkpoint: {'opt', 'model':
    DDP(PixPro).state_dict(), ...}: encoder (student) / encoder_k (teacher)
    ResNets with head_type='early_return' (torchvision names, no fc);
    convert_pretrain_to_d2.py exports module.encoder.*."""
    student, teacher = tv18(31), tv18(32)
    model = ddp_encoders(encoder=student, encoder_k=teacher)
    model['module.projector.linear1.weight'] = torch.randn(32, 512, 1, 1)
    model['module.projector_k.linear1.weight'] = torch.randn(32, 512, 1, 1)
    model['module.value_transform.weight'] = torch.randn(8, 8, 1, 1)
    ckpt = import_official(dict(model=model, epoch=100))
    assert ckpt['meta']['imported']['method'] == 'pixpro'
    assert ckpt['meta']['transfer']['source'] == 'student'
    for source, ref in ((None, student), ('teacher', teacher)):
        export_weights(ckpt, str(tmp_path / 'm.pth'), 'mm', source=source)
        state = torch.load(tmp_path / 'm.pth', weights_only=True)['state_dict']
        assert len(state) == len(ref) - 2
        assert all(
            torch.equal(state['backbone.' + k], v) for k, v in ref.items()
            if not k.startswith('fc.'))
