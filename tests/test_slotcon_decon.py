"""SlotCon's losses against loop references; DeCon's wrapper semantics."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmdense.models.heads import SlotConHead, slot_presence
from mmdense.registry import MODELS


def _geometry(n, flip1=False):
    # both views cover the same source box: the overlap is the whole view
    boxes = torch.tensor([[0., 0., 32., 32.]]).expand(n, 4)
    return dict(
        boxes=torch.stack([boxes, boxes]),
        flips=torch.tensor([[False] * n, [flip1] * n]))


def _head(**kw):
    torch.manual_seed(0)
    return SlotConHead(
        in_channels=6, num_prototypes=5, hid_channels=8, out_channels=4, **kw)


def test_slot_presence():
    scores = torch.zeros(1, 3, 2, 2)
    scores[0, 2] = 1.  # slot 2 owns every pixel
    scores[0, 0, 0, 0] = 5.  # slot 0 owns one
    assert slot_presence(scores).tolist() == [[True, False, True]]


def test_slotcon_losses_match_loop_references():
    head = _head()
    head.eval()  # BN with running stats: per-sample computations below
    s = {v: torch.randn(2, 6, 3, 3) for v in (0, 1)}
    t = {v: torch.randn(2, 6, 3, 3) for v in (0, 1)}
    center = torch.randn(1, 5) * 0.1
    head.center.copy_(center)
    losses = head.loss(s, t, _geometry(2))

    def grouping(grp, x):
        return grp(x)

    ref_group, ref_slot = 0., 0.
    outs_s = [head.grouping(head.projector(s[v])) for v in (0, 1)]
    outs_t = [
        head.teacher_grouping(head.teacher_projector(t[v])) for v in (0, 1)
    ]
    for a, b in ((0, 1), (1, 0)):
        score_s, score_t = outs_s[a][1], outs_t[b][1]
        terms = []
        for n in range(2):
            for i in range(3):
                for j in range(3):
                    p_t = F.softmax((score_t[n, :, i, j] - center[0]) / 0.07,
                                    0)
                    logp = F.log_softmax(score_s[n, :, i, j] / 0.1, 0)
                    terms.append(-(p_t * logp).sum())
        ref_group += torch.stack(terms).mean()
        # slot InfoNCE: queries present in both views, keys all present
        slots_s, slots_t = outs_s[a][0], outs_t[b][0]
        own_s = score_s.argmax(1).flatten(1)
        own_t = score_t.argmax(1).flatten(1)
        keys = [(n, k) for n in range(2) for k in range(5)
                if (own_t[n] == k).any()]
        key_vecs = torch.stack(
            [F.normalize(slots_t[n, k], dim=0) for n, k in keys])
        queries = [(n, k) for n in range(2) for k in range(5)
                   if (own_s[n] == k).any() and (own_t[n] == k).any()]
        q_vecs = F.normalize(
            head.predictor(torch.stack([slots_s[n, k] for n, k in queries])),
            dim=1)
        terms = []
        for (n, k), qv in zip(queries, q_vecs):
            logits = key_vecs @ qv / 0.2
            pos = keys.index((n, k))
            terms.append(-(logits[pos] - torch.logsumexp(logits, 0)))
        ref_slot += torch.stack(terms).mean() * 0.4
    assert losses['loss_group'].item() == pytest.approx(
        0.5 * ref_group.item(), rel=1e-5)
    assert losses['loss_slot'].item() == pytest.approx(
        0.5 * ref_slot.item(), rel=1e-5)


def test_slotcon_center_update():
    head = _head()
    s = {v: torch.randn(2, 6, 3, 3) for v in (0, 1)}
    t = {v: torch.randn(2, 6, 3, 3) for v in (0, 1)}
    scores = torch.cat([
        head.teacher_grouping(head.teacher_projector(t[v]))[1] for v in (0, 1)
    ])
    head.loss(s, t, _geometry(2))
    expected = 0.1 * scores.permute(0, 2, 3, 1).reshape(-1, 5).mean(0)
    assert torch.allclose(head.center[0], expected, atol=1e-6)


def test_group_loss_is_flip_aware():
    # view 1 is the mirror image of view 0 (same box, flipped): its maps are
    # mirrored, and after alignment both directions see the same pixels
    head = _head()
    head.eval()
    head.center.zero_()
    x = torch.randn(2, 6, 3, 3)
    feats = {0: x, 1: x.flip(-1)}
    flipped = head.loss(feats, feats, _geometry(2, flip1=True))
    head.center.zero_()  # the call above moved the centre
    same = head.loss({0: x, 1: x}, {0: x, 1: x}, _geometry(2))
    assert flipped['loss_group'].item() == pytest.approx(
        same['loss_group'].item(), rel=1e-5)


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
