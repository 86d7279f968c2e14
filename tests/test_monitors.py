"""Training signals: the collapse measure, the online dense linear probe and
their hooks in a real (short) DeCon demo run."""
import math
import os.path as osp
import random
import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn as nn
from conftest import REPO, run_tool
from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger

from mmdense.engine.hooks import CollapseMonitorHook, DenseProbeHook
from mmdense.evaluation.dense_probe import (collapse_std, fit_linear_probe,
                                            frozen_eval, linear_probe_scores,
                                            predict_linear_probe,
                                            projector_embeddings,
                                            segmentation_scores, soft_labels)
from mmdense.registry import HOOKS, MODELS
from mmdense.utils.rng import preserve_rng

FAST = [
    'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=0'
]


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    """One intra-op thread here and in the training subprocesses: on a
    shared 2-core machine OpenMP's spin-waiting makes 2 threads 2-4x slower
    (the results are the same)."""
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


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


class _Head(nn.Module):

    def __init__(self, cin, d):
        super().__init__()
        self.projector = nn.Conv2d(cin, d, 1)


class _TwoLevels(nn.Module):
    """level_heads() like DeCon's: the hook reads each head's projector."""

    def __init__(self):
        super().__init__()
        self.head = _Head(4, 16)
        self.dec = _Head(4, 8)

    def level_heads(self):
        return {'enc': self.head, 'dec0': self.dec}

    def forward(self, x):
        for head in (self.head, self.dec):
            head.projector(x)  # two views
            head.projector(x)


def _fake_runner(model, name):
    hub = MessageHub.get_instance(name)
    return SimpleNamespace(
        model=model,
        message_hub=hub,
        iter=0,
        logger=MMLogger.get_instance(name + '_log'))


def test_collapse_hook_reads_projector_outputs_on_interval_iterations():
    model = _TwoLevels()
    runner = _fake_runner(model, 'test_collapse_hook')
    hook = HOOKS.build(dict(type='CollapseMonitorHook', interval=3))
    assert isinstance(hook, CollapseMonitorHook)
    hook.before_train(runner)
    x = torch.randn(6, 4, 5, 5)
    for it in range(6):
        runner.iter = it
        hook.before_train_iter(runner, it)
        model(x)
        hook.after_train_iter(runner, it)
        logged = {
            k
            for k in runner.message_hub.log_scalars
            if k.startswith('train/collapse')
        }
        if it < 2:
            assert not logged
    assert logged == {
        'train/collapse_std_enc', 'train/collapse_std_enc_pix',
        'train/collapse_std_dec0', 'train/collapse_std_dec0_pix'
    }
    # measured twice (iterations 3 and 6), each from the iteration's own
    # projector calls (two per level), nothing kept in between
    buf = runner.message_hub.log_scalars['train/collapse_std_enc']
    assert len(buf.data[0]) == 2
    with torch.no_grad():
        z = model.head.projector(x)
    assert buf.current() == pytest.approx(
        collapse_std(torch.cat([z.mean(dim=(2, 3))] * 2)), abs=1e-6)
    assert all(not c for c in hook._captured.values())
    hook.after_train(runner)
    assert not model.head.projector._forward_hooks


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
    tables (issue 18)."""
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


def _probe_cfg(root, ann='train', size=64):
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(size, size), keep_ratio=False),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs')
    ]
    return dict(
        type='PascalVOCDataset',
        data_root=osp.join(root, 'VOCdevkit/VOC2012'),
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClass'),
        ann_file=f'ImageSets/Segmentation/{ann}.txt',
        pipeline=pipeline)


def test_probe_hook_on_decon_leaves_model_and_rng_untouched(synthetic_root):
    cfg = Config.fromfile(osp.join(REPO, 'configs/decon/demo.py'))
    cfg.model.data_preprocessor = cfg.data_preprocessor
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    model.backbone.layer1.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    modes = [m.training for m in model.modules()]
    hook = DenseProbeHook(
        _probe_cfg(synthetic_root),
        21,
        level='dec0',
        max_samples=8,
        probe_iters=50)
    assert hook.resolve(model) == ('dec0', 'teacher')
    torch.manual_seed(5)
    expected = torch.rand(4)
    torch.manual_seed(5)
    scores = hook.probe(model)
    assert torch.equal(torch.rand(4), expected)
    assert 0 <= scores['mIoU'] <= 100 and 0 < scores['aAcc'] <= 100
    imgs, labels, val_imgs, val_labels = hook._data
    assert imgs.shape == (6, 3, 64, 64) and val_imgs.shape == (2, 3, 64, 64)
    assert labels.shape == (6, 64, 64)  # resized to the image (nearest)
    assert set(labels.unique().tolist()) <= {0, 5, 7, 9, 12, 15, 255}
    assert [m.training for m in model.modules()] == modes
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    # 'enc' and '' name the encoder level of both kinds of models
    hook.level = ''
    assert hook.resolve(model) == ('enc', 'teacher')
    base = SimpleNamespace(level_heads=lambda: {'': None}, transfer='student')
    hook.level = 'enc'
    assert hook.resolve(base) == ('', 'student')
    hook.level = 'dec1'
    with pytest.raises(KeyError, match='dec1'):
        hook.resolve(model)


def test_probe_interval_follows_the_train_loop():
    from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
    calls = []
    for loop, by_epoch in ((IterBasedTrainLoop, False), (EpochBasedTrainLoop,
                                                         True)):
        hook = DenseProbeHook(dict(type='unused'), 21, interval=2)
        hook.resolve = lambda model: ('', 'student')
        hook._data = 'loaded'
        hook._run = lambda runner, by_epoch=by_epoch: calls.append(
            (by_epoch, runner.iter, runner.epoch))
        runner = SimpleNamespace(
            model=nn.Identity(),
            train_loop=object.__new__(loop),
            iter=0,
            epoch=0)
        hook.before_train(runner)
        assert hook.by_epoch is by_epoch
        for epoch in range(4):
            runner.epoch = epoch
            for _ in range(3):
                hook.after_train_iter(runner, 0)
                runner.iter += 1
            hook.after_train_epoch(runner)
    assert calls == [(False, 1, 0), (False, 3, 1), (False, 5, 1),
                     (False, 7, 2), (False, 9, 3), (False, 11, 3),
                     (True, 6, 1), (True, 12, 3)]


@pytest.mark.parametrize('method', ['densecl', 'slotcon', 'decon'])
def test_demos_turn_the_signals_on_paper_configs_do_not(method):
    demo = Config.fromfile(osp.join(REPO, f'configs/{method}/demo.py'))
    assert [h['type'] for h in demo.custom_hooks
            ] == ['TransferMetaHook', 'CollapseMonitorHook', 'DenseProbeHook']
    for cfg in demo.custom_hooks:
        HOOKS.build(cfg)
    paper = Config.fromfile(osp.join(REPO, f'configs/{method}/coco.py'))
    assert [h['type'] for h in paper.custom_hooks] == ['TransferMetaHook']


def _losses(log):
    """Every loss term of every logged iteration."""
    return [
        re.findall(r'(\w*loss\w*): ([\d.]+)', line)
        for line in re.findall(r'Iter\(train\) .*', log)
    ]


def test_decon_demo_logs_signals_and_probe_leaves_training_unchanged(run_dir):
    args = [
        'tools/train.py',
        osp.join(REPO, 'configs/decon/demo.py'), '--cfg-options',
        'train_cfg.max_iters=4', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=100', 'randomness.seed=0', *FAST
    ]
    on = run_tool(
        args + ['custom_hooks.1.interval=2', 'custom_hooks.2.interval=2'] +
        ['--work-dir', str(run_dir / 'on')],
        cwd=run_dir)
    for key in ('collapse_std_enc', 'collapse_std_enc_pix',
                'collapse_std_dec0', 'collapse_std_dec0_pix', 'probe/mIoU',
                'probe/aAcc'):
        values = re.findall(rf'\b{re.escape(key)}: ([\d.]+)', on)
        assert values, key
        assert all(0 <= float(v) <= 100 for v in values), key
    assert '1/sqrt(d)=0.1250' in on  # the normaliser, d = 64, once
    assert on.count('1/sqrt(d)=') == 2  # enc and dec0, in one line
    assert len(re.findall(r'DenseProbeHook \(iter [24],', on)) == 2
    std = [float(v) for v in re.findall(r'collapse_std_dec0: ([\d.]+)', on)]
    assert all(0 < v < 0.2 for v in std)

    off = run_tool(
        args +
        ['custom_hooks.1.interval=1000', 'custom_hooks.2.interval=1000'] +
        ['--work-dir', str(run_dir / 'off')],
        cwd=run_dir)
    assert 'probe/mIoU' not in off and 'collapse_std' not in off
    losses_on, losses_off = _losses(on), _losses(off)
    assert len(losses_on) == 4
    assert losses_on == losses_off
