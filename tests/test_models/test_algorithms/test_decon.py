"""DeCon's wrapper semantics: the encoder term, levels and own heads, channel
dropout and the teacher update."""
import copy

import pytest
import torch
from mmpretrain.structures import DataSample

from mmdense.registry import MODELS


def _samples(n):
    out = []
    for _ in range(n):
        d = DataSample()
        d.set_metainfo(
            dict(
                view_boxes=[[0, 0, 48, 48], [16, 8, 64, 56]],
                view_flips=[False, True],
                view_sizes=[(64, 64), (64, 64)],
                ori_shape=(64, 64)))
        out.append(d)
    return out


BACKBONE = dict(type='ResNet', depth=18, out_indices=(3, ))
SLOT_HEAD = dict(
    type='SlotConHead',
    in_channels=512,
    num_prototypes=8,
    hid_channels=32,
    out_channels=16)
FPN = dict(
    type='mmdet.FPN',
    in_channels=[64, 128, 256, 512],
    out_channels=32,
    num_outs=4,
    norm_cfg=dict(type='BN'))


def _decon(**kw):
    cfg = dict(
        type='DeCon',
        backbone=dict(BACKBONE, out_indices=(0, 1, 2, 3)),
        head=SLOT_HEAD,
        decoder=FPN)
    cfg.update(kw)
    return MODELS.build(cfg)


def test_decon_encoder_term_equals_the_base_method():
    torch.manual_seed(0)
    slotcon = MODELS.build(
        dict(type='SlotCon', backbone=BACKBONE, head=SLOT_HEAD))
    decon = _decon(encoder_loss_weight=0.3)
    missing, unexpected = decon.load_state_dict(
        slotcon.state_dict(), strict=False)
    assert not unexpected
    assert all(
        k.startswith(('neck.', 'teacher_decoder.', 'decoder_heads.'))
        for k in missing)
    slotcon.max_iters = decon.max_iters = 10
    torch.manual_seed(1)
    inputs = [torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64)]
    base = slotcon.loss(inputs, _samples(2))
    joint = decon.loss(inputs, _samples(2))
    for key in ('loss_group', 'loss_slot'):
        assert joint[f'enc_{key}'].item() == pytest.approx(
            0.3 * base[key].item(), rel=1e-6)
        assert f'dec0_{key}' in joint
    # the decoder loss reaches the encoder: no gradient is stopped
    decon.zero_grad()
    joint['dec0_loss_group'].backward()
    assert decon.backbone.conv1.weight.grad.abs().sum() > 0
    assert decon.head.projector.fc0.weight.grad is None


def test_decon_rejects_w1_and_bad_levels():
    with pytest.raises(ValueError, match='encoder_loss_weight=1'):
        _decon(encoder_loss_weight=1.0)
    with pytest.raises(ValueError, match="'single' or 'multi'"):
        _decon(levels='all')


def test_decon_levels_and_own_heads():
    single, multi = _decon(), _decon(levels='multi')
    assert list(single.level_heads()) == ['enc', 'dec0']
    assert list(multi.level_heads()) == ['enc', 'dec0', 'dec1', 'dec2', 'dec3']
    heads = multi.decoder_heads
    assert len({id(h.grouping.prototypes) for h in heads}) == 4
    assert heads[0].projector.fc0.in_channels == 32  # the FPN's channels
    multi.max_iters = 10
    losses = multi.loss([torch.randn(2, 3, 64, 64)] * 2, _samples(2))
    assert {k.split('_')[0]
            for k in losses} == {'enc', 'dec0', 'dec1', 'dec2', 'dec3'}


def test_channel_dropout_student_only_res2_to_res4():
    model = _decon(channel_dropout=0.5)
    laterals = model.neck.lateral_convs
    assert [len(m._forward_hooks) for m in laterals] == [1, 1, 1, 0]
    assert all(
        len(m._forward_hooks) == 0
        for m in model.teacher_decoder.lateral_convs)
    x = torch.randn(2, 64, 8, 8)
    model.train()
    out = laterals[0](x)
    zero_channels = (out.abs().sum((2, 3)) == 0).float().mean()
    assert 0.2 < zero_channels < 0.8
    model.eval()
    assert (laterals[0](x).abs().sum((2, 3)) > 0).all()


def test_teacher_moves_once_per_iteration():
    model = _decon()
    model.max_iters = 4
    before = copy.deepcopy(model.teacher_decoder.state_dict())
    with torch.no_grad():
        for p in model.neck.parameters():
            p.add_(1.0)
    model.loss([torch.randn(2, 3, 64, 64)] * 2, _samples(2))
    assert int(model.step) == 1
    # step 0 of the cosine schedule: m = 0.99 exactly once
    key = 'lateral_convs.0.conv.weight'
    expected = 0.99 * before[key] + 0.01 * model.neck.state_dict()[key]
    assert torch.allclose(
        model.teacher_decoder.state_dict()[key], expected, atol=1e-6)


def test_decon_trains_as_the_method_it_wraps():
    """DeCon's knobs left unset take the wrapped method's defaults: over a
    DenseCL head DenseCL's (0.999 constant, shuffle-BN, student, fan-in),
    over a SlotCon head SlotCon's, over a PixPro head PixPro's (0.99
    cosine, no shuffle-BN, the student transfers), over a DetCon head
    DetCon's; a plain DenseContrastive states none."""
    from helpers import REPO
    from mmengine.config import Config

    from mmdense.models.algorithms import (DenseCL, DetCon, PixPro, SlotCon,
                                           VICRegL)
    wrapped = [('decon/demo_densecl.py', DenseCL), ('decon/demo.py', SlotCon),
               ('decon/demo_pixpro.py', PixPro),
               ('decon/demo_detcon.py', DetCon),
               ('decon/demo_vicregl.py', VICRegL)]
    for config, method in wrapped:
        model = MODELS.build(Config.fromfile(f'{REPO}/configs/{config}').model)
        got = {k: getattr(model, k) for k in method.defaults}
        assert got == method.defaults, config
    assert DenseCL.defaults['teacher_momentum'] == 0.999
    assert SlotCon.defaults['momentum_schedule'] == 'cosine'
    assert PixPro.defaults['transfer'] == 'student'
    cfg = Config.fromfile(f'{REPO}/configs/densecl/demo.py').model
    cfg['type'] = 'DenseContrastive'
    with pytest.raises(ValueError, match='teacher_momentum, .*not set'):
        MODELS.build(cfg)


def test_dense_heads_follow_the_documented_contract():
    from mmdense.models.heads import (BaseDenseHead, DenseCLHead, DetConHead,
                                      MoCoHead, PixProHead, SlotConHead,
                                      VICRegLHead)
    for head in (DenseCLHead, SlotConHead, MoCoHead, PixProHead, DetConHead,
                 VICRegLHead):
        assert issubclass(head, BaseDenseHead)
        for name in ('teacher_pairs', 'ema_pairs', 'loss'):
            assert callable(getattr(head, name))
    with pytest.raises(NotImplementedError):
        BaseDenseHead().loss({}, {}, None, 0)
