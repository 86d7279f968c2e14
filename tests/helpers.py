"""Helpers shared by several test modules (imported as ``from helpers
import ...``, as conftest's names are): a free TCP port for 2-process gloo
tests, the strict transfer check of a pre-trained backbone into the
synthetic downstream benchmarks, and seeded demo training steps in fp32,
bf16 or fp16."""
import math
import os.path as osp
import socket
from types import SimpleNamespace

import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

SYNTHETIC_BENCHMARKS = (
    'configs/benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py',
    'configs/benchmarks/synthetic/fcn-d6_r18-d16_synthetic-voc12aug.py',
)
_BENCHMARKS = {}


def free_port():
    """A TCP port on 127.0.0.1 that is free now (MASTER_PORT of a test)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def benchmark_model(config):
    """The downstream model of a synthetic benchmark config, built once per
    session in the config's own scope (mmdet / mmseg)."""
    if config not in _BENCHMARKS:
        cfg = Config.fromfile(osp.join(REPO, config))
        scope = cfg.default_scope
        registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
        with DefaultScope.overwrite_default_scope(scope):
            _BENCHMARKS[config] = registry.build(cfg.model)
    return _BENCHMARKS[config]


def assert_backbone_transfers(model, tmp_path):
    """Checkpoint as the Runner writes it (TransferMetaHook) -> exported
    weights (only ``backbone.*``) -> strict loading of every backbone
    tensor into each synthetic benchmark model."""
    from mmdense.engine import TransferMetaHook
    from mmdense.weights import extract_transfer_weights, load_pretrained
    ckpt = dict(state_dict=model.state_dict(), meta={})
    TransferMetaHook().before_save_checkpoint(
        SimpleNamespace(model=model), ckpt)
    weights = extract_transfer_weights(ckpt)
    assert {k.split('.')[0] for k in weights} == {'backbone'}
    path = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=weights), path)
    n = len(model.backbone.state_dict())
    for config in SYNTHETIC_BENCHMARKS:
        target = benchmark_model(config)
        report = load_pretrained(target, path, groups=('backbone', ))
        assert report == {'backbone': f'{n}/{n} tensors'}, config
        for name in ('conv1', 'layer4.1.conv2'):
            assert torch.equal(
                target.backbone.get_submodule(name).weight,
                model.backbone.get_submodule(name).weight), (config, name)


def demo_batch(cfg, synthetic_root, size=8, seed=0):
    """The first ``size`` samples of a demo config's training dataset (its
    own pipeline, seeded) as one collated batch.  Python's ``random`` is
    seeded too (mmcv's RandomGrayscale draws from it), as the Runner's
    per-sample seeding does (``mmdense.utils.rng``)."""
    from mmdense.registry import DATASETS
    from mmdense.utils.rng import seed_everything_cpu
    ds_cfg = cfg.train_dataloader.dataset
    first = ds_cfg.datasets[0] if ds_cfg.type == 'ConcatDataset' else ds_cfg
    first.data_root = osp.join(synthetic_root, 'coco/')
    dataset = DATASETS.build(first)
    seed_everything_cpu(seed)
    return default_collate([dataset[i] for i in range(size)])


def demo_steps(config,
               synthetic_root,
               precision='bf16',
               seed=0,
               steps=14,
               channels_last=True):
    """``steps`` real train steps of a demo on one repeated batch (seeded
    model and batch), under ``precision`` ('fp32', 'bf16' or 'fp16' with
    dynamic loss scaling) through :class:`CPUAmpOptimWrapper`; returns the
    losses.  One thread: the answer must not depend on the thread count."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _demo_steps(config, synthetic_root, precision, seed, steps,
                           channels_last)
    finally:
        torch.set_num_threads(threads)


def _demo_steps(config, synthetic_root, precision, seed, steps, channels_last):
    from mmdense.engine import to_channels_last
    from mmdense.models.memories import MemoryBank
    from mmdense.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, config))
    torch.manual_seed(seed)
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.max_iters = 1000
    for m in model.modules():  # as MemoryBankHook does from the dataset
        if isinstance(m, MemoryBank) and m.num_samples == 0:
            m.resize_(48)  # the synthetic COCO+ images; the batch is 0-7
    # as the Runner does (mmpretrain's CosineEMA reads it)
    MessageHub.get_current_instance().update_info('max_iters', 1000)
    if channels_last:
        to_channels_last(model)
    optim_cfg = cfg.optim_wrapper.copy()
    for key in ('loss_scale', 'dtype'):
        optim_cfg.pop(key, None)
    if precision == 'fp32':
        optim_cfg.type = 'OptimWrapper'
    else:
        optim_cfg.update(
            type='mmdense.engine.CPUAmpOptimWrapper',
            dtype=dict(bf16='bfloat16', fp16='float16')[precision])
    optim = build_optim_wrapper(model, optim_cfg)
    # dense terms on from the start, so the loss keeps one composition
    for m in model.modules():
        if hasattr(m, 'dense_warmup_iters'):
            m.dense_warmup_iters = 0
    data = demo_batch(cfg, synthetic_root, seed=seed)
    seen_cl = []  # what the data preprocessor hands the model

    def record(module, args, out):
        inputs = out['inputs']
        seen_cl.extend(
            x.is_contiguous(memory_format=torch.channels_last)
            for x in (inputs if isinstance(inputs, (list,
                                                    tuple)) else [inputs])
            if x.dim() == 4)

    model.data_preprocessor.register_forward_hook(record)
    conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
    losses = []
    for _ in range(steps):
        out = model.train_step(data, optim)
        losses.append(float(out['loss'].detach()))
    if channels_last:
        assert seen_cl and all(seen_cl), 'inputs were not channels_last'
        assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    return losses


def assert_loss_falls(losses, label=''):
    """The bf16 demo criterion: finite, and the mean of the last 3 losses
    below that of steps 4-6."""
    assert all(math.isfinite(v) for v in losses), (label, losses)
    # once queues of 32 hold real keys (4 steps of 8) the loss falls
    tail = losses[4:]
    assert sum(tail[-3:]) / 3 < sum(tail[:3]) / 3, (label, losses)
