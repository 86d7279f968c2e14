"""The training signals' measures (mmdense.evaluation.dense_probe): the
collapse measure, segmentation scores, and the dense linear probe on
features that carry the label, nothing, or noise."""
import math
import random

import numpy as np
import pytest
import torch
import torch.nn as nn

from mmdense.evaluation.dense_probe import (collapse_std, fit_linear_probe,
                                            frozen_eval, linear_probe_scores,
                                            predict_linear_probe,
                                            projector_embeddings,
                                            segmentation_scores, soft_labels)
from mmdense.utils.rng import preserve_rng

pytestmark = pytest.mark.usefixtures('one_thread')


# ---------------------------------------------------------------- collapse
def test_collapse_std_identical_is_zero_gaussian_is_one_over_sqrt_d():
    g = torch.Generator().manual_seed(0)
    row = torch.randn(1, 32, generator=g)
    assert collapse_std(row.repeat(256, 1)) < 1e-6
    # identical directions at different lengths: still collapsed
    scales = torch.rand(256, 1, generator=g) + 0.1
    assert collapse_std(row * scales) < 1e-6
    for d in (16, 64, 256):
        z = torch.randn(4096, d, generator=g) * 3 + 0.0
        assert collapse_std(z) == pytest.approx(1 / math.sqrt(d), rel=0.03)
    # partial collapse: a shared direction dominates
    z = torch.randn(4096, 64, generator=g) + 5 * row.repeat(1, 2)
    assert 0 < collapse_std(z) < 0.5 / math.sqrt(64)
    assert math.isnan(collapse_std(torch.randn(1, 8)))


def test_projector_embeddings_dense_maps_tuples_and_vectors():
    dense = torch.randn(2, 8, 3, 4)
    emb = projector_embeddings(dense)
    assert set(emb) == {'', 'pix'}
    assert torch.allclose(emb[''], dense.mean(dim=(2, 3)))
    assert emb['pix'].shape == (2 * 12, 8)
    assert torch.equal(emb['pix'][5], dense[0, :, 1, 1])
    # at most max_pixels, evenly strided: pixels 0, 23 -> (0, 0, 0), (1, 2, 3)
    pix = projector_embeddings(dense, max_pixels=2)['pix']
    assert torch.equal(pix, torch.stack([dense[0, :, 0, 0], dense[1, :, 2,
                                                                  3]]))
    # mmpretrain's DenseCLNeck: (global, dense (N, D, S), pooled dense)
    glob, flat = torch.randn(2, 8), dense.flatten(2)
    emb = projector_embeddings((glob, flat, flat.mean(2)))
    assert set(emb) == {'', 'pix', 'global'}
    assert torch.allclose(emb[''], flat.mean(2))
    assert emb['pix'].shape == (24, 8) and torch.equal(emb['global'], glob)
    assert set(projector_embeddings(glob)) == {''}


# ------------------------------------------------------------- the probe
def _blob_labels(n, size, num_classes, seed=0, void=True):
    """Label maps of rectangles of random classes over background 0, with a
    255 band on some rectangle outlines like VOC's void."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((n, size, size), np.int64)
    for i in range(n):
        for _ in range(4):
            c = rng.integers(1, num_classes)
            y0, x0 = rng.integers(0, size - size // 4, 2)
            h, w = rng.integers(size // 8 + 1, size // 2 + 1, 2)
            labels[i, y0:y0 + h, x0:x0 + w] = c
            if void and rng.random() < 0.5:
                labels[i, y0, x0:x0 + w] = 255
    return torch.from_numpy(labels)


def _onehot(labels, num_classes):
    return nn.functional.one_hot(
        labels.clamp(max=num_classes),
        num_classes + 1)[..., :num_classes].permute(0, 3, 1, 2).float()


def test_segmentation_scores_by_hand():
    label = torch.tensor([[0, 0, 1, 1], [2, 2, 255, 9]])
    pred = torch.tensor([[0, 1, 1, 1], [2, 0, 1, 1]])
    s = segmentation_scores(pred, label, num_classes=4)
    # valid: 6 pixels (255 and the out-of-range 9 dropped); 4 correct
    # IoU: class 0: 1/3, class 1: 2/3, class 2: 1/2; class 3 absent
    assert s['aAcc'] == pytest.approx(100 * 4 / 6)
    assert s['mIoU'] == pytest.approx(100 * (1 / 3 + 2 / 3 + 1 / 2) / 3)
    assert s['mAcc'] == pytest.approx(100 * (1 / 2 + 1 + 1 / 2) / 3)
    assert segmentation_scores(label, label, 4)['mIoU'] == 100


def test_soft_labels_pool_class_fractions_and_drop_void():
    label = torch.tensor([[[1, 1, 2, 255], [1, 0, 255, 255]]])
    target, weight = soft_labels(label, 3, (1, 2))
    assert torch.allclose(weight, torch.tensor([[[1.0, 0.25]]]))
    assert torch.allclose(target[0, :, 0, 0], torch.tensor([0.25, 0.75, 0]))
    assert torch.allclose(target[0, :, 0, 1], torch.tensor([0.0, 0, 1]))
    target, weight = soft_labels(label, 3, (2, 4))  # own size: one-hot
    assert torch.equal(weight, (label != 255).float())


def test_probe_on_features_that_encode_the_label_is_perfect():
    k = 6
    train, val = _blob_labels(8, 32, k, 0), _blob_labels(4, 32, k, 1)
    s = linear_probe_scores(
        _onehot(train, k), train, _onehot(val, k), val, k, iters=300)
    assert s['mIoU'] == pytest.approx(100) and s['aAcc'] == pytest.approx(100)
    # features on a 4x coarser grid (labels constant on the cells): the
    # logits are upsampled to the label grid, the labels pooled to the cells
    train, val = (
        _blob_labels(8, 8, k,
                     seed).repeat_interleave(4, 1).repeat_interleave(4, 2)
        for seed in (2, 3))
    coarse = [_onehot(v[:, ::4, ::4], k) for v in (train, val)]
    s = linear_probe_scores(coarse[0], train, coarse[1], val, k, iters=300)
    assert s['mIoU'] > 85 and s['aAcc'] > 90


def test_probe_on_constant_features_gives_the_trivial_score():
    """Features that carry nothing: the probe can only learn the class
    prior, so it predicts the majority class everywhere and scores exactly
    what a segmenter that paints everything background scores: mIoU =
    aAcc / (classes present), the all-background figure of the benchmark
    tables."""
    k = 6
    train, val = _blob_labels(8, 32, k, 0), _blob_labels(4, 32, k, 1)
    # make class 0 the majority in both sets
    train[:, 8:24, 8:24], val[:, 8:24, 8:24] = 0, 0
    feats = [torch.ones(len(v), 16, 32, 32) for v in (train, val)]
    s = linear_probe_scores(feats[0], train, feats[1], val, k, iters=300)
    valid = val != 255  # VOC-like void band, left out of every score
    share = 100 * (val[valid] == 0).float().mean().item()
    present = len(val[valid].unique())
    assert s['aAcc'] == pytest.approx(share, abs=1e-3)
    assert s['mIoU'] == pytest.approx(share / present, abs=1e-3)


def test_probe_on_random_features_is_low():
    k = 6
    train, val = _blob_labels(8, 32, k, 0), _blob_labels(4, 32, k, 1)
    g = torch.Generator().manual_seed(0)
    feats = [
        torch.randn(len(v), 16, 32, 32, generator=g) for v in (train, val)
    ]
    s = linear_probe_scores(feats[0], train, feats[1], val, k, iters=200)
    assert s['mIoU'] < 35  # vs 100 for the label itself (above)
    # all-ignored labels: the classifier stays at zero, no crash
    clf, stats = fit_linear_probe(feats[0], torch.full_like(train, 255), k)
    assert not clf.weight.any()
    assert predict_linear_probe(clf, stats, feats[1],
                                (32, 32)).shape == (4, 32, 32)


def test_preserve_rng_and_frozen_eval_restore_everything():
    torch.manual_seed(1)
    np.random.seed(1)
    random.seed(1)
    expected = (torch.rand(3), np.random.rand(3), random.random())
    torch.manual_seed(1)
    np.random.seed(1)
    random.seed(1)
    with preserve_rng():
        torch.rand(100), np.random.rand(100), random.random()
    got = (torch.rand(3), np.random.rand(3), random.random())
    assert torch.equal(expected[0], got[0])
    assert np.array_equal(expected[1], got[1]) and expected[2] == got[2]

    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.ReLU())
    model.train()
    model[1].eval()  # e.g. a norm_eval BN: must stay in eval mode
    with frozen_eval(model):
        assert not any(m.training for m in model.modules())
        assert not torch.is_grad_enabled()
    assert [m.training for m in model.modules()] == [True, True, False, True]
