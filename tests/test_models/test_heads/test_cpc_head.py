"""CPCHead: the InfoNCE over every target of the batch, and a context that
is causal in each direction."""
import math

import pytest
import torch


# ------------------------------------------------------------------ CPC v2
def test_cpc_info_nce_known_answer():
    """Predictions at rows 0..H-k-1 against every target of the batch."""
    from mmdense.models.heads import CPCHead
    head = CPCHead(
        in_channels=4, steps_to_ignore=0, steps_to_predict=1, emb_scale=0.5)
    g = torch.Generator().manual_seed(0)
    b, c, h, w, k = 2, 3, 3, 2, 1
    preds, targets = torch.randn(
        b, c, h, w, generator=g), torch.randn(
            b, c, h, w, generator=g)
    all_targets = [(bi, r, col) for bi in range(b) for r in range(h)
                   for col in range(w)]
    losses = []
    for bi in range(b):
        for r in range(h - k):
            for col in range(w):
                q = [0.5 * float(preds[bi, ch, r, col]) for ch in range(c)]
                logits = [
                    sum(q[ch] * float(targets[tb, ch, tr, tc])
                        for ch in range(c)) for tb, tr, tc in all_targets
                ]
                pos = all_targets.index((bi, r + k, col))
                denom = sum(math.exp(v) for v in logits)
                losses.append(-math.log(math.exp(logits[pos]) / denom))
    expected = sum(losses) / len(losses)
    got = head.offset_loss(preds, targets, k)
    assert float(got) == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize('direction', ['down', 'up', 'right', 'left'])
def test_cpc_context_is_causal(direction):
    """Perturbing the patches beyond row r (in the prediction direction)
    leaves the context up to row r unchanged, and changes the rest."""
    from mmdense.models.heads import CPCHead
    torch.manual_seed(0)
    head = CPCHead(
        in_channels=6, hid_channels=5, num_blocks=3, directions=(direction, ))
    z = torch.randn(2, 6, 7, 7)
    before = head.contexts(z)[direction]
    r = 3
    z2 = z.clone()
    # "beyond row r" in the grid's own orientation
    region = {
        'down': (slice(None), slice(None), slice(r + 1, None)),
        'up': (slice(None), slice(None), slice(None, 6 - r)),
        'right': (slice(None), slice(None), slice(None), slice(r + 1, None)),
        'left': (slice(None), slice(None), slice(None), slice(None, 6 - r))
    }[direction]
    z2[region] += torch.randn_like(z2[region])
    after = head.contexts(z2)[direction]
    kept = [
        i for i in range(7)
        if (i <= r if direction in ('down', 'right') else i >= 6 - r)
    ]
    moved = [i for i in range(7) if i not in kept]
    dim = 2 if direction in ('down', 'up') else 3
    assert torch.equal(
        before.index_select(dim, torch.tensor(kept)),
        after.index_select(dim, torch.tensor(kept)))
    assert not torch.allclose(
        before.index_select(dim, torch.tensor(moved)),
        after.index_select(dim, torch.tensor(moved)))
