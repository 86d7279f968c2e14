"""Losses, memories and teacher updates against hand-computed answers."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmdense.models.heads import dense_correspondence
from mmdense.models.losses import info_nce, soft_cross_entropy
from mmdense.models.memories import ContrastQueue
from mmdense.models.utils.teacher import (ema_update_, make_teacher,
                                          teacher_momentum)


def test_info_nce_by_hand():
    q = torch.tensor([[1., 0.], [0., 1.]])
    k = torch.tensor([[1., 0.], [math.sqrt(.5), math.sqrt(.5)]])
    neg = torch.tensor([[0., 1.], [-1., 0.], [0., -1.]])
    t = 0.5
    # row 0: pos 1, negs (0, -1, 0); row 1: pos sqrt(.5), negs (1, 0, -1)
    row0 = -math.log(math.exp(2) / (math.exp(2) + 1 + math.exp(-2) + 1))
    p1 = math.exp(math.sqrt(.5) / t)
    row1 = -math.log(p1 / (p1 + math.exp(2) + 1 + math.exp(-2)))
    assert info_nce(q, k, neg, t).item() == pytest.approx(
        (row0 + row1) / 2, rel=1e-6)


def test_soft_cross_entropy_by_hand():
    s = torch.tensor([[0., math.log(3.)]])  # student softmax (1/4, 3/4) at T=1
    t = torch.tensor([[1., 1.]])
    center = torch.tensor([[0., math.log(3.)]])  # teacher (3/4, 1/4) at T=1
    value = soft_cross_entropy(s, t, 1.0, 1.0, center).item()
    expected = -(0.75 * math.log(0.25) + 0.25 * math.log(0.75))
    assert value == pytest.approx(expected, rel=1e-6)


def test_dense_correspondence_of_a_flipped_view():
    torch.manual_seed(0)
    f1 = torch.randn(2, 8, 3, 4)
    f2 = f1.flip(-1) * 2.0  # horizontally flipped copy (scale is irrelevant)
    match = dense_correspondence(f1.flatten(2), f2.flatten(2))
    rows, cols = torch.meshgrid(
        torch.arange(3), torch.arange(4), indexing='ij')
    expected = (rows * 4 + (3 - cols)).flatten()
    assert torch.equal(match, expected.expand(2, -1))


def test_queue_contents_after_updates_and_wrap_around():
    queue = ContrastQueue(length=6, dim=2)
    assert torch.allclose(queue.keys.norm(dim=1), torch.ones(6))
    batches = [torch.full((2, 2), float(i)) for i in range(1, 5)]
    for b in batches:
        queue.enqueue(b)
    # 4 batches of 2 into 6 slots: batch 4 overwrote slots 0-1
    expected = torch.tensor([4., 4., 2., 2., 3., 3.])[:, None].expand(6, 2)
    assert torch.equal(queue.keys, expected)
    assert int(queue.ptr) == 2
    with pytest.raises(ValueError, match='multiple of the global batch 4'):
        queue.enqueue(torch.zeros(4, 2))


def test_ema_update_exact_and_buffers_untouched():
    student = nn.BatchNorm1d(2)
    teacher = make_teacher(student)
    assert not any(p.requires_grad for p in teacher.parameters())
    with torch.no_grad():
        student.weight.fill_(3.)
        student.bias.fill_(-1.)
        student.running_mean.fill_(5.)
    ema_update_([(teacher, student)], momentum=0.9)
    assert torch.allclose(teacher.weight, torch.full((2, ), 1.2))  # .9+.3
    assert torch.allclose(teacher.bias, torch.full((2, ), -0.1))
    assert torch.equal(teacher.running_mean, torch.zeros(2))


def test_teacher_momentum_schedules():
    assert teacher_momentum(0.999, 'constant', 500, None) == 0.999
    assert teacher_momentum(0.99, 'cosine', 0, 100) == pytest.approx(0.99)
    assert teacher_momentum(0.99, 'cosine', 50, 100) == pytest.approx(0.995)
    assert teacher_momentum(0.99, 'cosine', 100, 100) == pytest.approx(1.0)
    with pytest.raises(ValueError, match='max_iters'):
        teacher_momentum(0.99, 'cosine', 3, None)
    with pytest.raises(ValueError, match="'constant' or 'cosine'"):
        teacher_momentum(0.99, 'linear', 3, 10)


def test_densecl_head_loss_matches_a_loop_reference():
    from mmdense.models.heads import DenseCLHead
    torch.manual_seed(0)
    head = DenseCLHead(
        in_channels=6,
        hid_channels=5,
        out_channels=4,
        queue_len=8,
        temperature=0.2,
        loss_lambda=0.5,
        dense_warmup_iters=0)
    q_in, k_in = torch.randn(2, 6, 2, 3), torch.randn(2, 6, 2, 3)
    queue, dense_queue = head.queue.keys.clone(), head.dense_queue.keys.clone()
    losses = head.loss({0: q_in}, {1: k_in}, None, step=0)

    def nce(q, pos, negs):
        logits = [q @ pos] + [q @ n for n in negs]
        logits = torch.stack(logits) / 0.2
        return -(logits[0] - torch.logsumexp(logits, 0))

    g_terms, d_terms = [], []
    for n in range(2):
        qn = head.projector.mlp(q_in[n].mean((1, 2)))
        kn = head.teacher_projector.mlp(k_in[n].mean((1, 2)))
        g_terms.append(
            nce(F.normalize(qn, dim=0), F.normalize(kn, dim=0), queue))
        qd = head.projector.mlp2(q_in[n:n + 1])[0].flatten(1)  # D, S
        kd = head.teacher_projector.mlp2(k_in[n:n + 1])[0].flatten(1)
        qb, kb = q_in[n].flatten(1), k_in[n].flatten(1)
        for s in range(qb.shape[1]):
            sims = [
                F.cosine_similarity(qb[:, s], kb[:, j], dim=0)
                for j in range(kb.shape[1])
            ]
            j = int(torch.stack(sims).argmax())
            d_terms.append(
                nce(
                    F.normalize(qd[:, s], dim=0), F.normalize(kd[:, j], dim=0),
                    dense_queue))
    expected_g = 0.5 * torch.stack(g_terms).mean()
    expected_d = 0.5 * torch.stack(d_terms).mean()
    assert losses['loss_global'].item() == pytest.approx(
        expected_g.item(), rel=1e-5)
    assert losses['loss_dense'].item() == pytest.approx(
        expected_d.item(), rel=1e-5)
    # the keys were enqueued: pooled global keys, pooled dense keys
    k_global = F.normalize(
        head.teacher_projector.mlp(k_in.mean((2, 3))), dim=1)
    assert torch.allclose(head.queue.keys[:2], k_global, atol=1e-6)
    assert int(head.queue.ptr) == 2 and int(head.dense_queue.ptr) == 2


def test_densecl_dense_warmup():
    from mmdense.models.heads import DenseCLHead
    head = DenseCLHead(
        in_channels=6,
        hid_channels=5,
        out_channels=4,
        queue_len=8,
        dense_warmup_iters=3)
    x = {0: torch.randn(2, 6, 2, 2)}
    y = {1: torch.randn(2, 6, 2, 2)}
    early = head.loss(x, y, None, step=2)
    assert early['loss_dense'].item() == 0.0
    late = head.loss(x, y, None, step=3)
    assert late['loss_dense'].item() > 0


def test_slot_info_nce_by_hand():
    from mmdense.models.losses import slot_info_nce
    q = torch.tensor([[1., 0.], [0., 1.]])
    k = torch.tensor([[1., 0.], [0., 1.], [-1., 0.]])
    labels = torch.tensor([0, 1])
    # t = 0.5: logits (2, 0, -2) and (0, 2, 0); scaled by 2t = 1
    e2 = math.exp(2.)
    expected = (-math.log(e2 /
                          (e2 + 1 + math.exp(-2.))) - math.log(e2 /
                                                               (e2 + 2))) / 2
    assert slot_info_nce(q, k, labels, 0.5).item() == pytest.approx(
        expected, rel=1e-6)
