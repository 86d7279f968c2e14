"""DetPreciseBNHook (detectron2's PreciseBN for the detection benchmarks):
statistics from the training forward of the C4 model, when it runs, and its
own loader."""
import os.path as osp
from types import SimpleNamespace

import torch
from helpers import C4_CONFIG, load_config
from mmengine.registry import DefaultScope


def tiny_batch(seed):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for h, w in ((72, 100), (64, 90)):  # not multiples of 16 or 32
        inputs.append(
            torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8))
        s = DetDataSample(
            metainfo=dict(
                img_shape=(h, w), ori_shape=(h, w), scale_factor=(1., 1.)))
        s.gt_instances = InstanceData(
            bboxes=torch.tensor([[4., 6., 50., 40.], [30., 20., 80., 60.]]),
            labels=torch.tensor([3, 11]))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_precise_bn_uses_the_training_forward(c4_detector):
    """Each BN (in training mode) ends with the average over the batches of
    its per-batch mean / unbiased var (fvcore update_bn_stats), from the
    training forward: the extra norm sees the sampled ROIs (8 per image
    here), not the test proposals."""
    from mmdense.engine.hooks.det_precise_bn_hook import update_bn_stats
    model = c4_detector
    model.train()
    watched = dict(
        stem=model.backbone.norm1, extra=model.roi_head.shared_head.norm)
    seen = {k: [] for k in watched}
    handles = [
        m.register_forward_pre_hook(
            lambda mod, args, k=k: seen[k].append(args[0].detach().clone()))
        for k, m in watched.items()
    ]
    momenta = {k: m.momentum for k, m in watched.items()}
    try:
        n = update_bn_stats(model, iter([tiny_batch(1), tiny_batch(2)]), 2)
    finally:
        for h in handles:
            h.remove()
    assert n == len([
        m for m in model.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    ])
    assert [x.shape[0] for x in seen['extra']] == [16, 16]  # 2 images x 8
    for k, m in watched.items():
        assert len(seen[k]) == 2
        mean = sum(x.mean((0, 2, 3)) for x in seen[k]) / 2
        var = sum(x.transpose(0, 1).flatten(1).var(1) for x in seen[k]) / 2
        torch.testing.assert_close(m.running_mean, mean, rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(m.running_var, var, rtol=1e-4, atol=1e-5)
        assert m.momentum == momenta[k]


def test_precise_bn_hook_runs_after_the_last_iteration(monkeypatch):
    from mmdense.engine.hooks import det_precise_bn_hook as precise_bn
    calls = []
    monkeypatch.setattr(precise_bn, 'update_bn_stats',
                        lambda model, batches, n: calls.append(n) or 1)
    hook = precise_bn.DetPreciseBNHook(num_iters=200, interval=0)
    monkeypatch.setattr(hook, '_loader', lambda runner: iter(()))
    runner = SimpleNamespace(model=torch.nn.Linear(1, 1), max_iters=24000)
    for it in (0, 99, 3999, 4000, 23998, 23999):  # runner.iter, 0-based
        runner.iter = it
        hook.after_train_iter(runner, it)
    assert calls == [200]  # after iteration 24000 only (EVAL_PERIOD 0)
    hook = precise_bn.DetPreciseBNHook(num_iters=3, interval=4000)
    monkeypatch.setattr(hook, '_loader', lambda runner: iter(()))
    calls.clear()
    for it in (3998, 3999, 4000, 23999):
        runner.iter = it
        hook.after_train_iter(runner, it)
    assert calls == [3, 3]
    assert hook.priority == 'ABOVE_NORMAL'  # before CheckpointHook


def test_precise_bn_loader_is_its_own(synthetic_root):
    """A loader of its own over the training set (the config's pipeline and
    batch size, no workers), not the train loop's."""
    from mmengine.runner import Runner

    from mmdense.engine.hooks import DetPreciseBNHook
    cfg = load_config(C4_CONFIG)
    for ds in cfg.train_dataloader.dataset.datasets:
        ds.data_root = osp.join(synthetic_root, 'VOCdevkit/')
    with DefaultScope.overwrite_default_scope('mmdet'):
        train_loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
        runner = SimpleNamespace(
            cfg=cfg,
            seed=0,
            build_dataloader=Runner.build_dataloader,
            train_loop=SimpleNamespace(dataloader=train_loader))
        hook = DetPreciseBNHook()
        batches = hook._loader(runner)
        batch = next(batches)
    assert hook._loader(runner) is batches  # one stream, as detectron2
    assert len(batch['inputs']) == 2
    assert min(batch['inputs'][0].shape[1:]) in range(480, 801, 32)
    assert cfg.train_dataloader.num_workers == 2  # the config is unchanged
