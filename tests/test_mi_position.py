"""Deep InfoMax, CPC v2 and context prediction: losses against numbers
worked out here, patch geometry, causality, demos that learn, and transfer
into the synthetic benchmarks."""
import math
import os
import os.path as osp

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from conftest import REPO
from helpers import assert_backbone_transfers, free_port
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.optim import build_optim_wrapper

from mmdense.registry import DATASETS, MODELS


def softplus(x):
    return math.log1p(math.exp(x))


# ------------------------------------------------------------ Deep InfoMax
# scores[i, j, p]: global i against location p of image j (2 images, 3 locs)
SCORES = torch.tensor([[[1.0, -0.5, 2.0], [0.3, -1.2, 0.0]],
                       [[-0.7, 0.4, 1.5], [2.2, 0.1, -0.3]]])


def test_dim_jsd_known_answer():
    from mmdense.models.losses.mutual_info import dim_jsd
    s = SCORES.tolist()
    pos = [s[i][i][p] for i in range(2) for p in range(3)]
    neg = [s[i][1 - i][p] for i in range(2) for p in range(3)]
    e_pos = sum(math.log(2) - softplus(-u) for u in pos) / len(pos)
    e_neg = sum(softplus(-u) + u - math.log(2) for u in neg) / len(neg)
    expected = e_neg - e_pos
    # the same value in the softplus (BCE) form minus 2 log 2
    bce = (
        sum(softplus(-u) for u in pos) / 6 + sum(softplus(u) for u in neg) / 6)
    assert expected == pytest.approx(bce - 2 * math.log(2))
    got = dim_jsd(SCORES, torch.tensor([0, 1]))
    assert float(got) == pytest.approx(expected, abs=1e-6)
    assert float(dim_jsd(torch.zeros(2, 2, 3), torch.tensor([0, 1]))) == \
        pytest.approx(0.0, abs=1e-7)


def test_dim_infonce_keeps_own_image_at_minus_ten():
    from mmdense.models.losses.mutual_info import dim_infonce
    s = SCORES.tolist()
    losses = []
    for i in range(2):
        for p in range(3):
            logits = [s[i][i][p]] + [
                -10.0 if j == i else s[i][j][q] for j in range(2)
                for q in range(3)
            ]
            denom = sum(math.exp(v) for v in logits)
            losses.append(-math.log(math.exp(logits[0]) / denom))
    expected = sum(losses) / len(losses)
    got = dim_infonce(SCORES, torch.tensor([0, 1]))
    assert float(got) == pytest.approx(expected, abs=1e-6)
    # dropping the own-image candidates instead would give another value
    dropped = dim_infonce(SCORES, torch.tensor([0, 1]), self_score=-1e9)
    assert abs(float(dropped) - expected) > 1e-5


def test_dim_head_scores_every_global_against_every_local():
    from mmdense.models.losses.mutual_info import dim_infonce
    head = MODELS.build(
        dict(
            type='DIMHead',
            local_channels=4,
            global_channels=6,
            hid_channels=8,
            out_channels=5,
            estimator='infonce'))
    local_map, glob = torch.randn(3, 4, 2, 2), torch.randn(3, 6)
    loc, g = head.embed(local_map, glob)
    assert loc.shape == (3, 4, 5) and g.shape == (3, 5)
    scores = torch.zeros(3, 3, 4)
    for i in range(3):
        for j in range(3):
            for p in range(4):
                scores[i, j, p] = (g[i] * loc[j, p]).sum()
    expected = dim_infonce(scores, torch.arange(3))
    assert torch.allclose(
        head.loss(local_map, glob)['loss'], expected, atol=1e-5)
    with pytest.raises(ValueError, match="estimator must be one of"):
        MODELS.build(
            dict(
                type='DIMHead',
                local_channels=4,
                global_channels=4,
                estimator='mine'))


def _dim_worker(rank, world, port, out_dir, state, local_map, glob):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    from mmdense.models.heads import DIMHead
    from mmdense.utils.dist import shutdown_dist
    out = {}
    for estimator in ('jsd', 'infonce'):
        head = DIMHead(4, 6, 8, 5, estimator=estimator)
        head.load_state_dict(state)
        head.eval()  # BN on running statistics: same embeddings everywhere
        part = slice(2 * rank, 2 * rank + 2)
        lm = local_map[part].clone().requires_grad_(True)
        loss = head.loss(lm, glob[part])['loss']
        loss.backward()
        out[estimator] = (loss.detach(), lm.grad)
    torch.save(out, os.path.join(out_dir, f'rank{rank}.pth'))
    shutdown_dist()


def test_dim_negatives_gathered_over_two_processes(tmp_path):
    from mmdense.models.heads import DIMHead
    torch.manual_seed(0)
    local_map, glob = torch.randn(4, 4, 2, 2), torch.randn(4, 6)
    head = DIMHead(4, 6, 8, 5)
    mp.spawn(
        _dim_worker,
        nprocs=2,
        args=(2, free_port(), str(tmp_path), head.state_dict(), local_map,
              glob))
    ranks = [torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1)]
    for estimator in ('jsd', 'infonce'):
        head.estimator = estimator
        head.eval()
        lm = local_map.clone().requires_grad_(True)
        single = head.loss(lm, glob)['loss']
        single.backward()
        mean = (ranks[0][estimator][0] + ranks[1][estimator][0]) / 2
        assert torch.allclose(mean, single, atol=1e-5), estimator
        # each process gets every process's gradient for its own rows: with
        # DDP's averaging (/ 2) that is the one-process gradient
        grads = torch.cat([ranks[0][estimator][1], ranks[1][estimator][1]])
        assert grads.abs().sum() > 0
        assert torch.allclose(grads / 2, lm.grad, atol=1e-5), estimator


# ------------------------------------------------------------------ demos
def _dataset(cfg, synthetic_root):
    ds_cfg = cfg.train_dataloader.dataset
    ds_cfg.data_root = osp.join(synthetic_root, 'coco/')
    return DATASETS.build(ds_cfg)


def _train(config,
           synthetic_root,
           steps,
           fresh=False,
           batch=8,
           overrides=None):
    """Real train steps of a demo config on its own pipeline: one fixed
    batch, or a fresh batch every step (``fresh``).  Returns the logs."""
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.merge_from_dict(overrides or {})
    dataset = _dataset(cfg, synthetic_root)
    torch.manual_seed(0)
    np.random.seed(0)
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    rng = np.random.RandomState(0)

    def batch_of():
        idx = rng.randint(len(dataset), size=batch)
        return default_collate([dataset[int(i)] for i in idx])

    data = batch_of()
    history = []
    for _ in range(steps):
        out = model.train_step(batch_of() if fresh else data, optim)
        history.append({k: float(v) for k, v in out.items()})
    return model, history


def _assert_falls(history, key='loss', start=0):
    values = [h[key] for h in history[start:]]
    assert all(v == v for v in values), f'{key} is NaN'
    first, last = sum(values[:3]) / 3, sum(values[-3:]) / 3
    assert last < first, f'{key}: {first:.4f} -> {last:.4f}'


@pytest.mark.parametrize('estimator', ['jsd', 'infonce'])
def test_dim_demo_loss_falls(estimator, synthetic_root, tmp_path):
    model, history = _train(
        'configs/dim/demo.py',
        synthetic_root,
        12,
        overrides={'model.head.estimator': estimator})
    _assert_falls(history)
    if estimator == 'jsd':
        assert_backbone_transfers(model, tmp_path)


# ------------------------------------------------------- context prediction
def _coordinate_image(h=200, w=230):
    """Channel 0 = x, channel 1 = y, channel 2 = 7: a pixel says where it
    is (x, y < 256)."""
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([xs, ys, np.full_like(xs, 7)], axis=2).astype(np.uint8)


def test_relative_patch_pair_puts_patches_where_the_label_says():
    from mmdense.datasets.patches import NEIGHBOURS
    from mmdense.registry import TRANSFORMS
    p, gap, jitter = 20, 10, 3
    sampler = TRANSFORMS.build(
        dict(type='RelativePatchPair', patch_size=p, gap=gap, jitter=jitter))
    img = _coordinate_image()
    np.random.seed(0)
    seen = set()
    for _ in range(200):
        out = sampler(dict(img=img.copy()))
        label = out['gt_label']
        seen.add(label)
        centre, other = out['img']
        boxes = out['patch_boxes']
        for patch, (x0, y0, x1, y1) in zip(out['img'], boxes):
            assert patch.shape == (p, p, 3)
            # the pixels are the ones at the recorded box
            assert patch[0, 0, 0] == x0 and patch[0, 0, 1] == y0
            assert patch[-1, -1, 0] == x1 - 1 and patch[-1, -1, 1] == y1 - 1
        # displacement of the neighbour = its grid offset x (p + gap),
        # up to the two patches' jitters
        dy, dx = NEIGHBOURS[label]
        ddx = other[0, 0, 0].astype(int) - centre[0, 0, 0]
        ddy = other[0, 0, 1].astype(int) - centre[0, 0, 1]
        assert abs(ddx - dx * (p + gap)) <= 2 * jitter
        assert abs(ddy - dy * (p + gap)) <= 2 * jitter
        # the label is the nearest grid direction, never another one
        step = p + gap
        assert (round(ddx / step), round(ddy / step)) == (dx, dy)
    assert seen == set(range(8))


def test_relative_patch_pair_errors_and_guards():
    from mmdense.registry import TRANSFORMS
    sampler = TRANSFORMS.build(
        dict(type='RelativePatchPair', patch_size=20, gap=10, jitter=3))
    with pytest.raises(ValueError, match='needs 86x86'):
        sampler(dict(img=_coordinate_image(80, 200)))
    with pytest.raises(ValueError, match='task must be one of'):
        TRANSFORMS.build(dict(type='RelativePatchPair', task='jigsaw'))
    # colour-channel dropping: one channel kept exactly, two near-constant
    drop = TRANSFORMS.build(dict(type='ColorChannelDrop', prob=1.0))
    img = np.random.RandomState(0).randint(0, 256,
                                           (32, 32, 3)).astype(np.uint8)
    np.random.seed(1)
    out = drop(dict(img=img.copy()))['img']
    kept = [c for c in range(3) if np.array_equal(out[..., c], img[..., c])]
    assert len(kept) == 1
    for c in set(range(3)) - set(kept):
        assert out[..., c].std() < 0.05 * img[..., kept[0]].std() + 1
        assert abs(out[..., c].mean() - img[..., kept[0]].mean()) < 1


def test_context_prediction_loss_is_cross_entropy():
    head = MODELS.build(
        dict(
            type='PatchPairHead',
            in_channels=2,
            hid_channels=(),
            num_classes=3))
    with torch.no_grad():  # logits = [a0 + b0, a1 - b1, 2 a0]
        head.classifier.weight.copy_(
            torch.tensor([[1., 0, 1, 0], [0, 1, 0, -1], [2, 0, 0, 0]]))
        head.classifier.bias.zero_()
    first = torch.tensor([[0.5, 1.0], [2.0, -1.0]])
    second = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    labels = torch.tensor([2, 1])
    rows = [[1.5, 1.0, 1.0], [2.0, -2.0, 4.0]]
    expected = sum(-r[y] + math.log(sum(math.exp(v) for v in r))
                   for r, y in zip(rows, [2, 1])) / 2
    out = head.loss(first, second, labels)
    assert float(out['loss']) == pytest.approx(expected, abs=1e-6)
    assert float(out['acc']) == 0.0  # argmax: 0 (row 1), 2 (row 2)


def test_context_prediction_demo_learns(synthetic_root, tmp_path):
    """A fixed batch of 16 pairs: the loss falls and the 8-way accuracy
    ends far above chance (1/8); the weights transfer."""
    model, history = _train(
        'configs/relative_loc/demo.py', synthetic_root, 30, batch=16)
    _assert_falls(history)
    assert sum(h['acc'] for h in history[-5:]) / 5 >= 0.5
    assert_backbone_transfers(model, tmp_path)


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


def test_cpc_patch_grid_geometry_and_errors():
    from mmdense.registry import TRANSFORMS
    grid = TRANSFORMS.build(dict(type='PatchGrid', patch_size=16, stride=8))
    out = grid(dict(img=_coordinate_image(48, 64)))
    assert out['grid_shape'] == (5, 7) and len(out['img']) == 35
    for i, (patch, box) in enumerate(zip(out['img'], out['patch_boxes'])):
        r, c = divmod(i, 7)  # row-major
        assert box == [8. * c, 8. * r, 8. * c + 16, 8. * r + 16]
        assert patch[0, 0, 0] == 8 * c and patch[0, 0, 1] == 8 * r
        assert patch.shape == (16, 16, 3)
    with pytest.raises(ValueError, match='patch_size \\+ n \\* stride'):
        grid(dict(img=_coordinate_image(50, 64)))
    from mmdense.models.heads import CPCHead
    head = CPCHead(
        in_channels=4,
        steps_to_ignore=2,
        steps_to_predict=3,
        directions=('down', 'right'))
    with pytest.raises(ValueError, match='too small to predict 3 steps'):
        head.loss(torch.randn(2, 4, 3, 5))


def test_cpc_demo_loss_falls(synthetic_root, tmp_path):
    model, history = _train('configs/cpcv2/demo.py', synthetic_root, 10)
    _assert_falls(history)
    assert_backbone_transfers(model, tmp_path)
