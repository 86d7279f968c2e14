"""Helpers shared by the test modules (``from helpers import ...``; the
root conftest.py puts this folder on ``sys.path``): the repository root and a
runner for its scripts, a free TCP port for 2-process gloo tests, the strict
transfer check of a pre-trained backbone into the synthetic downstream
benchmarks, seeded demo training steps in fp32, bf16 or fp16, hand-computed
reference values, fake and damaged checkpoint files, and the teacher / student
comparison."""
import functools
import importlib.util
import math
import os
import os.path as osp
import socket
import struct
import subprocess
import sys
import warnings
import zipfile
from types import SimpleNamespace

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope


def _repo_root(start):
    """The nearest folder at or above ``start`` that holds setup.py."""
    path = osp.abspath(start)
    while not osp.isfile(osp.join(path, 'setup.py')):
        parent = osp.dirname(path)
        if parent == path:
            raise RuntimeError(f'no setup.py at or above {start}')
        path = parent
    return path


TESTS = osp.dirname(osp.abspath(__file__))  # this folder: helpers and hooks
REPO = _repo_root(TESTS)
C4_CONFIG = ('configs/benchmarks/mmdet/'
             'faster-rcnn_r50-syncbn-c4_ms-24k_voc0712.py')


def run_tool(args, cwd, timeout=600):
    """Run a repository script (path relative to the repo) in ``cwd``;
    fail with its output when it exits non-zero."""
    script = args[0]
    cmd = (['bash', osp.join(REPO, script)] if script.endswith('.sh') else
           [sys.executable, osp.join(REPO, script)]) + list(args[1:])
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f'{" ".join(cmd)} failed:\n{out[-6000:]}'
    return out


def load_config(path):
    """A config of the repository (``path`` relative to it)."""
    return Config.fromfile(osp.join(REPO, path))


def build_downstream(config, **overrides):
    """The model of a downstream (mmdet / mmseg) config, with ``model.*``
    overrides, built in the config's own scope."""
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.merge_from_dict({f'model.{k}': v for k, v in overrides.items()})
    registry = __import__(
        f'{cfg.default_scope}.registry', fromlist=['MODELS']).MODELS
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return registry.build(cfg.model)


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


# ------------------------------------------------ hand-computed references
def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b))


def unit(v):
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


def log_softmax_at(row, k):
    return row[k] - math.log(sum(math.exp(v) for v in row))


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def clip_model_cfg():
    return dict(
        type='CLIPPretrain',
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        neck=dict(
            type='LinearNeck',
            in_channels=512,
            out_channels=8,
            gap_dim=2,
            norm_cfg=None),
        text_encoder=dict(
            type='CaptionTransformer',
            vocab_size=16,
            context_length=6,
            width=8,
            layers=1,
            heads=2,
            embed_dim=8))


# ----------------------------------------------------- teachers, students
def teacher_student_pairs(model):
    """(teacher, student) module pairs of any method with a teacher."""
    if hasattr(model, 'teacher_pairs'):
        return model.teacher_pairs()
    # BYOL: mmengine's CosineEMA of (backbone, neck)
    online = nn.Sequential(model.backbone, model.neck)
    return [(model.target_net.module, online)]


def assert_teachers_equal_students(model):
    pairs = teacher_student_pairs(model)
    assert pairs
    for teacher, student in pairs:
        t, s = teacher.state_dict(), student.state_dict()
        assert list(t) == list(s)
        diff = [k for k in s if not torch.equal(t[k], s[k])]
        assert not diff, f'{type(teacher).__name__}: {len(diff)} of ' \
            f'{len(s)} tensors differ, e.g. {diff[:3]}'


# ------------------------------------------------ damaged and unsafe files
def flip_tensor_byte(path, out, record='/data/0'):
    """Copy ``path`` with one byte of a tensor record flipped (its CRC is
    left as it was)."""
    data = bytearray(open(path, 'rb').read())
    with zipfile.ZipFile(path) as z:
        info = next(i for i in z.infolist() if i.filename.endswith(record))
    h = info.header_offset
    n, e = struct.unpack('<HH', data[h + 26:h + 30])
    data[h + 30 + n + e] ^= 0x40
    open(out, 'wb').write(bytes(data))


class Payload:
    """Unpickling it runs a shell command (``touch marker``)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def payload_file(path, marker, legacy=False):
    obj = dict(
        state_dict={'backbone.conv1.weight': torch.zeros(1)},
        meta=dict(
            iter=10,
            epoch=0,
            transfer=dict(
                source='student', student={'backbone.': 'backbone.'})),
        message_hub={},
        x=Payload(marker))
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    with warnings.catch_warnings():  # the payload is real: check it runs
        warnings.simplefilter('ignore')
        probe = str(marker) + '.probe'
        torch.save(Payload(probe), path + '.probe')
        torch.load(path + '.probe', weights_only=False)
        assert osp.exists(probe)
        os.unlink(probe)
        os.unlink(path + '.probe')


# ---------------------------------------- fake checkpoints for converters
def randomize_(module, seed):
    """Distinct values everywhere, BN statistics included (running_var
    positive), so that a swapped or stale tensor cannot go unnoticed."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if t.is_floating_point():
                t.copy_(torch.rand(t.shape, generator=gen) + 0.1)
            elif name.endswith('num_batches_tracked'):
                t.fill_(seed + 7)
    return module


@functools.lru_cache(maxsize=None)
def tv18(seed):
    """A randomized torchvision ResNet-18 state dict (cached: read only)."""
    import torchvision
    return randomize_(torchvision.models.resnet18(), seed).state_dict()


def train_and_export(config, work, synthetic_root, iters=2):
    """Train ``config`` for ``iters`` iterations in the Runner (in ``work``,
    whose ``data/synthetic`` links to the synthetic root) and export its
    transfer weights; the exported file's path."""
    work = str(work)
    if not osp.exists(osp.join(work, 'data')):
        os.makedirs(osp.join(work, 'data'))
        os.symlink(synthetic_root, osp.join(work, 'data', 'synthetic'))
    name = osp.splitext(osp.basename(config))[0]
    run_tool([
        'tools/train.py',
        osp.join(REPO, config), '--work-dir',
        osp.join(work, name), '--cfg-options', f'train_cfg.max_iters={iters}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=0'
    ],
             cwd=work)
    out = osp.join(work, f'{name}.pth')
    run_tool([
        'tools/model_converters/extract_transfer_weights.py',
        osp.join(work, name, f'iter_{iters}.pth'), out
    ],
             cwd=work)
    return out


def ddp_encoders(**encoders):
    """``module.<name>.<key>`` for each named torchvision ResNet state dict,
    its ``fc.*`` left out: the encoders of an official checkpoint saved from
    ``DistributedDataParallel`` (``head_type='early_return'`` ResNets)."""
    return {
        f'module.{name}.{k}': v
        for name, sd in encoders.items()
        for k, v in sd.items() if not k.startswith('fc.')
    }


def slotcon_obj(args=None):
    """CVMI-Lab/SlotCon main_pretrain.py save_checkpoint: {'args',
    'model': DDP(SlotCon).state_dict(), 'optimizer', 'scheduler', 'epoch',
    'scaler'}; encoder_q (student) / encoder_k (teacher) are their ResNets
    with head_type='early_return' (torchvision names, no fc)."""
    student, teacher = tv18(21), tv18(22)
    model = ddp_encoders(encoder_q=student, encoder_k=teacher)
    model['module.projector_q.mlp.0.weight'] = torch.randn(32, 512, 1, 1)
    model['module.projector_k.mlp.0.weight'] = torch.randn(32, 512, 1, 1)
    model['module.grouping_q.slot_embed.weight'] = torch.randn(8, 4)
    model['module.grouping_k.slot_embed.weight'] = torch.randn(8, 4)
    model['module.center'] = torch.zeros(1, 8)
    obj = dict(
        model=model, epoch=800, optimizer=dict(state={}, param_groups=[]))
    if args is not None:
        obj['args'] = args
    return obj, student, teacher


def converter_tool(name):
    """tools/model_converters/``name``.py, imported as a module."""
    spec = importlib.util.spec_from_file_location(
        name, os.path.join(REPO, 'tools', 'model_converters', name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
