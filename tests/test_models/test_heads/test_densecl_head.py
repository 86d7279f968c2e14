"""DenseCLHead: the dense correspondence, the loss against a loop
reference, the dense warm-up and the pooled dense grid."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmdense.models.heads import DenseCLHead, dense_correspondence


def test_dense_correspondence_of_a_flipped_view():
    torch.manual_seed(0)
    f1 = torch.randn(2, 8, 3, 4)
    f2 = f1.flip(-1) * 2.0  # horizontally flipped copy (scale is irrelevant)
    match = dense_correspondence(f1.flatten(2), f2.flatten(2))
    rows, cols = torch.meshgrid(
        torch.arange(3), torch.arange(4), indexing='ij')
    expected = (rows * 4 + (3 - cols)).flatten()
    assert torch.equal(match, expected.expand(2, -1))


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


def test_densecl_dense_grid_pools_both_views():
    """dense_grid=g runs the head on the g x g average-pooled maps: equal to
    the plain head given the pooled maps (same weights, same queues)."""
    torch.manual_seed(0)
    pooled = DenseCLHead(
        in_channels=8,
        hid_channels=8,
        out_channels=4,
        queue_len=8,
        dense_grid=2)
    plain = DenseCLHead(
        in_channels=8, hid_channels=8, out_channels=4, queue_len=8)
    plain.load_state_dict(pooled.state_dict())
    q, k = torch.randn(2, 8, 4, 4), torch.randn(2, 8, 4, 4)
    got = pooled.loss({0: q}, {1: k})
    want = plain.loss({0: nn.functional.avg_pool2d(q, 2)},
                      {1: nn.functional.avg_pool2d(k, 2)})
    for key in want:
        torch.testing.assert_close(got[key], want[key], rtol=0, atol=1e-6)
