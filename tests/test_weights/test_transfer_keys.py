"""Pre-trained weights load into the real mmdet / mmseg models, key for key."""
from types import SimpleNamespace

import pytest
import torch
from helpers import build_downstream

from mmdense.engine import TransferMetaHook
from mmdense.registry import MODELS
from mmdense.weights import extract_transfer_weights

SMALL_HEAD = dict(
    type='SlotConHead',
    in_channels=2048,
    num_prototypes=4,
    hid_channels=16,
    out_channels=8)
R50 = dict(type='ResNet', depth=50, out_indices=(0, 1, 2, 3))


def _checkpoint(model):
    ckpt = dict(state_dict=model.state_dict(), meta={})
    TransferMetaHook().before_save_checkpoint(
        SimpleNamespace(model=model), ckpt)
    return ckpt


def _load(model, weights, groups):
    missing, unexpected = model.load_state_dict(weights, strict=False)
    assert unexpected == []
    lost = [k for k in missing if k.startswith(groups)]
    assert lost == [], f'not loaded: {lost[:5]}'
    return missing


def test_decon_fpn_teacher_loads_into_mask_rcnn():
    decon = MODELS.build(
        dict(
            type='DeCon',
            backbone=R50,
            head=SMALL_HEAD,
            decoder=dict(
                type='mmdet.FPN',
                in_channels=[256, 512, 1024, 2048],
                out_channels=256,
                num_outs=4,
                norm_cfg=dict(type='BN', requires_grad=True))))
    with torch.no_grad():  # make the teacher differ from the student
        for p in decon.teacher_backbone.parameters():
            p.add_(1.)
    ckpt = _checkpoint(decon)
    assert ckpt['meta']['transfer']['source'] == 'teacher'
    weights = extract_transfer_weights(ckpt)
    assert {k.split('.')[0] for k in weights} == {'backbone', 'neck'}
    detector = build_downstream(
        'configs/smoke/mask-rcnn_r50_fpn_synthetic-coco.py',
        neck=dict(norm_cfg=dict(type='BN', requires_grad=True)))
    _load(detector, weights, ('backbone.', 'neck.'))
    assert torch.equal(detector.backbone.conv1.weight,
                       decon.teacher_backbone.conv1.weight)
    assert torch.equal(detector.neck.fpn_convs[0].conv.weight,
                       decon.teacher_decoder.fpn_convs[0].conv.weight)
    student = extract_transfer_weights(ckpt, source='student')
    assert torch.equal(student['backbone.conv1.weight'],
                       decon.backbone.conv1.weight)


def test_decon_fcn_decoder_loads_into_fcn_convs_not_the_classifier():
    decon = MODELS.build(
        dict(
            type='DeCon',
            backbone=R50,
            head=SMALL_HEAD,
            decoder=dict(
                type='FCNDecoder',
                in_channels=2048,
                channels=512,
                dilation=1,
                norm_cfg=dict(type='BN', requires_grad=True)),
            decoder_key='decode_head',
            transfer='student'))
    weights = extract_transfer_weights(_checkpoint(decon))
    assert not any('conv_seg' in k for k in weights)
    assert {k.split('.')[0] for k in weights} == {'backbone', 'decode_head'}
    segmentor = build_downstream(
        'configs/smoke/fcn_r50-d8_synthetic-voc12aug.py',
        backbone=dict(norm_cfg=dict(type='BN', requires_grad=True)),
        decode_head=dict(norm_cfg=dict(type='BN', requires_grad=True)))
    missing = _load(segmentor, weights, ('backbone.', 'decode_head.convs.'))
    assert 'decode_head.conv_seg.weight' in missing  # classifier stays new
    assert torch.equal(segmentor.decode_head.convs[1].conv.weight,
                       decon.decode_head.convs[1].conv.weight)


def test_encoder_only_checkpoint_has_no_decoder():
    model = MODELS.build(
        dict(
            type='DenseCL',
            backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
            head=dict(
                type='DenseCLHead',
                in_channels=512,
                hid_channels=8,
                out_channels=4,
                queue_len=8)))
    ckpt = _checkpoint(model)
    assert ckpt['meta']['transfer']['source'] == 'student'
    assert {k.split('.')[0]
            for k in extract_transfer_weights(ckpt)} == {'backbone'}
    with pytest.raises(ValueError, match='not available'):
        extract_transfer_weights(ckpt, source='teacher_decoder')
