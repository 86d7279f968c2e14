"""The training-signal hooks: CollapseMonitorHook reads the projector outputs
on its iterations, DenseProbeHook leaves model and RNG untouched and
follows the train loop."""
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from helpers import REPO
from mmengine.config import Config
from mmengine.logging import MessageHub, MMLogger

from mmdense.engine.hooks import CollapseMonitorHook, DenseProbeHook
from mmdense.evaluation.dense_probe import collapse_std
from mmdense.registry import HOOKS, MODELS

pytestmark = pytest.mark.usefixtures('one_thread')


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
