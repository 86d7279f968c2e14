"""SlotConHead: slot presence, the losses against loop references, the
center update and the flip-aware group loss."""
import pytest
import torch
import torch.nn.functional as F

from mmdense.models.heads import SlotConHead, slot_presence


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
    head.center.zero_()  # the call above moved the center
    same = head.loss({0: x, 1: x}, {0: x, 1: x}, _geometry(2))
    assert flipped['loss_group'].item() == pytest.approx(
        same['loss_group'].item(), rel=1e-5)
