"""Benchmark pre-training steps of several configs in one run.

For each config: build the model and its optimizer wrapper from the config,
feed synthetic two-view uint8 batches (random content, fixed seed, with the
view geometry SlotCon / DeCon need), time ``model.train_step`` and count the
multiply-adds of one forward (loss) pass per part of the model.  Each config
runs in its own subprocess, so that peak memory (the process's peak RSS on
CPU, ``torch.cuda.max_memory_allocated`` on CUDA) is its own.

Usage::

    python tools/analysis_tools/benchmark_pretrain.py CONFIG [CONFIG ...]
        [--batch 8] [--size 224] [--iters 5] [--warmup 2]
        [--device cpu|cuda] [--amp none|fp16|bf16] [--threads N]
        [--channels-last] [--compile] [--data synthetic|loader]
        [--workers N] [--data-only] [--peers]
        [--cfg-options KEY=VALUE ...] [--out results.json]

    # the same, with mmpretrain's DenseCL and MoCo v2 appended (--peers)
    python tools/analysis_tools/benchmark_pretrain.py configs/densecl/coco.py \
        --peers --device cuda --batch 256 --amp bf16 --channels-last

    # end to end: the config's dataset, pipeline and dataloader
    python tools/analysis_tools/benchmark_pretrain.py configs/densecl/coco.py \
        --data loader --workers 16 --amp bf16 --channels-last

    # the CPU data pipeline alone (images/s, and per worker)
    python tools/analysis_tools/benchmark_pretrain.py configs/densecl/coco.py \
        --data-only --workers 2 --iters 10

    # DenseCL (ours) and mmpretrain's DenseCL against MoCo v2, on CPU
    python tools/analysis_tools/benchmark_pretrain.py \\
        mmpretrain::mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py \\
        mmpretrain::densecl/densecl_resnet50_8xb32-coslr-200e_in1k.py \\
        configs/densecl/coco.py --device cpu --iters 3 --warmup 1

Configs are our files (scope ``mmdense``) or another package's
(``mmpretrain::densecl/...py``; the registry scope is the config's
``default_scope``).  Printed: a speed table (median s/iteration, images/s,
peak memory), a multiply-add table (GMAC per image per part: backbone, neck
or decoder, each head level of ``model.level_heads()``, other; student and
teacher together) and, for every config after the first, its time ratio, MAC
ratio, efficiency (time ratio / MAC ratio) and extra-time factor
((time ratio - 1) / (MAC ratio - 1): 1.0 means the extra time is exactly what
the extra MACs cost at the first config's rate).

Data: ``--data synthetic`` (default) feeds one fixed batch of uint8 views
already on the device (for a config whose model uses
:class:`mmdense.datasets.DeviceAugDataPreprocessor`: padded uint8 sources
with recorded boxes), so only the step is timed.  ``--data loader`` builds the
config's ``train_dataloader`` (batch ``--batch``, ``--workers`` workers,
pinned memory on CUDA, persistent workers) and times ``next(loader)`` +
``train_step``; the fraction of each iteration spent waiting for the
loader is reported.  ``--data-only`` times the loader alone (no model):
images/s, and images/s per worker (decode + views + augmentation).

Notes:

* ``--channels-last`` converts the model and its inputs
  (:func:`mmdense.engine.to_channels_last`); ``--compile`` wraps the
  (student and teacher) backbones in ``torch.compile`` (warm-up iterations
  include the compilation: give enough of them).
* ``--amp none`` (default) runs every config in fp32: a config's
  ``AmpOptimWrapper`` becomes a plain ``OptimWrapper``, so configs compare
  like for like.  ``fp16`` / ``bf16`` use ``AmpOptimWrapper`` on CUDA and
  :class:`mmdense.engine.CPUAmpOptimWrapper` (autocast, no scaler) on CPU.
* As under the Runner in one process, SyncBN is reverted to BN, and the
  parameter schedulers do not run (the lr stays at the config's value).
* MACs are counted with ``torch.utils.flop_counter.FlopCounterMode``
  (matmuls and convolutions; MACs = FLOPs / 2) in one forward (loss) pass,
  train mode, no gradient. A part's count is what runs inside its modules'
  forwards (or its head's ``loss``); anything else is ``other`` (for
  mmpretrain models that includes the queue logits, which their algorithm
  computes outside the head).
"""
import argparse
import json
import os
import os.path as osp
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn as nn

from mmdense.utils.cli import add_debug_arg, run_cli


PEERS = ('mmpretrain::densecl/densecl_resnet50_8xb32-coslr-200e_in1k.py',
         'mmpretrain::mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py')


# --------------------------------------------------------------------- args
def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Benchmark pre-training steps of several configs',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('Usage::')[1].split('Configs are')[0])
    parser.add_argument('configs', nargs='*', help='config files; ratios are '
                        'taken to the first')
    parser.add_argument('--batch', type=int, default=8,
                        help='images per step (each with two views)')
    parser.add_argument('--size', type=int, default=224, help='view size')
    parser.add_argument('--iters', type=int, default=5,
                        help='timed iterations (the median is reported)')
    parser.add_argument('--warmup', type=int, default=2,
                        help='untimed iterations first')
    parser.add_argument('--device', choices=['cpu', 'cuda'],
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', choices=['none', 'fp16', 'bf16'],
                        default='none', help='autocast dtype (none: fp32)')
    parser.add_argument('--channels-last', action='store_true',
                        help='channels_last model and inputs')
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the backbones')
    parser.add_argument('--data', choices=['synthetic', 'loader'],
                        default='synthetic', help='fixed device tensors, or '
                        "the config's train_dataloader")
    parser.add_argument('--workers', type=int, default=None,
                        help='dataloader workers (default: the config\'s)')
    parser.add_argument('--data-only', action='store_true',
                        help='time the dataloader alone (no model)')
    parser.add_argument('--peers', action='store_true',
                        help='append mmpretrain\'s DenseCL and MoCo v2')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch.set_num_threads (default: torch\'s)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='overrides applied to every config')
    parser.add_argument('--out', help='write the results as JSON')
    # internal: run one config described by a JSON job file
    parser.add_argument('--single', help=argparse.SUPPRESS)
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if args.peers:
        args.configs = list(args.configs) + [
            c for c in PEERS if c not in args.configs]
    if not args.single and not args.configs:
        parser.error('give at least one config')
    return args


# ------------------------------------------------------------------- config
def resolve_config_path(path: str) -> str:
    """``pkg::rel/path.py`` -> the file in the installed package's configs."""
    if '::' not in path:
        return path
    from mmengine.utils import get_installed_path
    package, rel = path.split('::', 1)
    full = osp.join(get_installed_path(package), '.mim', 'configs', rel)
    if not osp.isfile(full):
        raise FileNotFoundError(f'{path}: no {full}')
    return full


def load_config(path: str, cfg_options: Optional[dict]):
    """The config with the overrides merged; its registry scope set as the
    default (``mmdense`` for ours, ``mmpretrain`` for mmpretrain's)."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmdense.utils import register_all_modules
    from mmengine.logging import MMLogger
    # the optimizer constructor logs every parameter: keep errors only
    MMLogger.get_instance('benchmark_pretrain', log_level='ERROR')
    cfg = Config.fromfile(resolve_config_path(path))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmdense'))
    return cfg


# -------------------------------------------------------------------- build
def build_model(cfg, device: str) -> nn.Module:
    """The config's model as the Runner builds it in one process."""
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import MODELS
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = revert_sync_batchnorm(MODELS.build(model_cfg))
    if hasattr(model, 'max_iters'):
        model.max_iters = 100000  # cosine teacher momentum outside a Runner
    return model.to(device).train()


def build_optim_wrapper(model: nn.Module, cfg, amp: str, device: str):
    """The config's optimizer wrapper, with the precision of ``--amp``."""
    from mmengine.optim import build_optim_wrapper as build
    optim = cfg.optim_wrapper.copy()
    for key in ('loss_scale', 'dtype'):
        optim.pop(key, None)
    if amp == 'none':
        optim.type = 'OptimWrapper'
    elif device == 'cuda':
        optim.type = 'AmpOptimWrapper'
        optim.dtype = 'float16' if amp == 'fp16' else 'bfloat16'
        if amp == 'fp16':
            optim.loss_scale = 'dynamic'
    else:
        optim.type = 'mmdense.engine.CPUAmpOptimWrapper'
        optim.dtype = 'float16' if amp == 'fp16' else 'bfloat16'
    return build(model, optim)


def synthetic_batch(batch: int, size: int, device: str, seed: int = 0,
                    source_hw=(480, 640)) -> dict:
    """Two uint8 views per image (random content) with their geometry: two
    overlapping source boxes, view 1 flipped."""
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(seed)
    inputs = [
        torch.randint(0, 256, (batch, 3, size, size), generator=gen,
                      dtype=torch.uint8).to(device) for _ in range(2)
    ]
    rng = np.random.default_rng(seed)
    h, w = source_hw
    samples = []
    for _ in range(batch):
        bw, bh = rng.uniform(0.4, 0.7) * w, rng.uniform(0.4, 0.7) * h
        x0, y0 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
        # the second box overlaps the first (shifted by < half its size)
        dx, dy = rng.uniform(-0.4, 0.4) * bw, rng.uniform(-0.4, 0.4) * bh
        x1 = float(np.clip(x0 + dx, 0, w - bw))
        y1 = float(np.clip(y0 + dy, 0, h - bh))
        samples.append(DataSample(metainfo=dict(
            view_boxes=[[x0, y0, x0 + bw, y0 + bh], [x1, y1, x1 + bw,
                                                     y1 + bh]],
            view_flips=[False, True],
            view_sizes=[(size, size), (size, size)],
            ori_shape=(h, w))))
    return dict(inputs=inputs, data_samples=samples)


# ------------------------------------------------------------------ timing
def _sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def time_train_steps(model, optim_wrapper, data: Optional[dict],
                     warmup: int, iters: int, device: str, label: str = '',
                     loader=None):
    """Seconds of each timed iteration (after ``warmup``), the seconds of
    each spent waiting for ``next(loader)`` (0 with fixed ``data``), and the
    CPU seconds of this process (all its threads) in each."""
    times, waits, cpu_times = [], [], []
    for i in range(warmup + iters):
        _sync(device)
        cpu_start = time.process_time()
        start = time.perf_counter()
        if loader is not None:
            data = _to_device(next(loader), device)
        fetched = time.perf_counter()
        model.train_step(data, optim_wrapper)
        _sync(device)
        end = time.perf_counter()
        cpu = time.process_time() - cpu_start
        dt = end - start
        wait = fetched - start if loader is not None else 0.
        kind = 'warm-up' if i < warmup else 'timed'
        print(f'  {label} step {i + 1}/{warmup + iters} ({kind}): '
              f'{dt:.3f} s (data {wait:.3f} s, CPU time {cpu:.3f} s)',
              flush=True)
        if i >= warmup:
            times.append(dt)
            waits.append(wait)
            cpu_times.append(cpu)
    return times, waits, cpu_times


def peak_memory_mib(device: str) -> Dict[str, float]:
    """Peak RSS of this process (MiB), and the peak CUDA allocation."""
    out = dict(peak_rss_mib=resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024)  # KiB on Linux
    if device == 'cuda':
        out['peak_cuda_mib'] = torch.cuda.max_memory_allocated() / 2**20
    return out


# ------------------------------------------------------------------- MACs
def model_parts(model: nn.Module) -> Dict[str, list]:
    """Part name -> the modules (their forwards) and ``(object, method)``
    pairs whose work counts for the part, students and teachers together.

    mmdense models: ``backbone``, ``decoder`` (DeCon), one ``head`` per
    level of ``model.level_heads()`` (``head`` for the encoder-only methods,
    ``head:enc``, ``head:dec0``... for DeCon; each head's ``loss``).
    Other models (mmpretrain): ``backbone``, ``neck``, ``head``; their EMA
    teacher's copies are matched by class.
    """
    parts = OrderedDict(backbone=[model.backbone])
    if hasattr(model, 'level_heads'):
        if hasattr(model, 'teacher_backbone'):
            parts['backbone'].append(model.teacher_backbone)
        if hasattr(model, 'teacher_decoder'):
            parts['decoder'] = [model.decoder, model.teacher_decoder]
        for level, head in model.level_heads().items():
            parts[f'head:{level}' if level else 'head'] = [(head, 'loss')]
        return parts
    from mmengine.model import BaseAveragedModel
    if getattr(model, 'neck', None) is not None:
        parts['neck'] = [model.neck]
    if getattr(model, 'head', None) is not None:
        parts['head'] = [model.head, (model.head, 'loss')]
    for ema in (m for m in model.modules()
                if isinstance(m, BaseAveragedModel)):
        copies = list(ema.module.children()) if isinstance(
            ema.module, nn.Sequential) else [ema.module]
        for copy_ in copies:
            for name in ('backbone', 'neck', 'head'):
                part = getattr(model, name, None)
                if part is not None and type(copy_) is type(part):
                    parts[name].append(copy_)
                    break
    return parts


class PartMacCounter:
    """Multiply-adds per part of a model, in one pass.

    A ``FlopCounterMode`` counts every matmul / convolution; forward hooks on
    the parts' modules (and wrappers around the parts' methods) attribute the
    count since the last boundary to the innermost part being run, or to
    ``other``.  ``macs`` holds the result (MACs = FLOPs / 2).

    Args:
        parts: name -> list of modules and ``(object, method name)`` pairs,
            as :func:`model_parts` returns.
    """

    def __init__(self, parts: Dict[str, list]) -> None:
        self.parts = parts
        self.macs = OrderedDict((name, 0) for name in parts)
        self.macs['other'] = 0
        self._stack: List[str] = []
        self._last = 0
        self._handles = []
        self._methods = []

    def _flush(self) -> None:
        total = self._mode.get_total_flops()
        part = self._stack[-1] if self._stack else 'other'
        self.macs[part] += (total - self._last) // 2
        self._last = total

    def _enter(self, name: str) -> None:
        self._flush()
        self._stack.append(name)

    def _exit(self) -> None:
        self._flush()
        self._stack.pop()

    def _wrap(self, name: str, obj, method: str) -> None:
        original = getattr(obj, method)

        def wrapped(*args, **kwargs):
            self._enter(name)
            try:
                return original(*args, **kwargs)
            finally:
                self._exit()

        setattr(obj, method, wrapped)
        self._methods.append((obj, method))

    def __enter__(self) -> 'PartMacCounter':
        from torch.utils.flop_counter import FlopCounterMode
        self._mode = FlopCounterMode(display=False)
        self._mode.__enter__()
        for name, members in self.parts.items():
            for member in members:
                if isinstance(member, tuple):
                    self._wrap(name, *member)
                    continue
                self._handles.append(member.register_forward_pre_hook(
                    lambda mod, args, name=name: self._enter(name)))
                self._handles.append(member.register_forward_hook(
                    lambda mod, args, out: self._exit()))
        return self

    def __exit__(self, *exc) -> None:
        self._flush()
        for handle in self._handles:
            handle.remove()
        for obj, method in self._methods:
            del obj.__dict__[method]  # back to the class's method
        self._mode.__exit__(*exc)


def count_macs(model: nn.Module, data: dict) -> Dict[str, int]:
    """MACs per part of one forward (loss) pass of the whole batch."""
    processed = model.data_preprocessor(data, True)
    with torch.no_grad(), PartMacCounter(model_parts(model)) as counter:
        model(**processed, mode='loss')
    return dict(counter.macs)


# ------------------------------------------------------------- loading
def build_loader(cfg, batch: int, workers: Optional[int], device: str,
                 seed: int):
    """The config's ``train_dataloader`` with ``batch`` images per step,
    ``workers`` workers (default: the config's), pinned memory on CUDA,
    persistent workers, and an infinite sampler."""
    from mmengine.runner import Runner
    loader = cfg.train_dataloader.copy()
    loader.batch_size = batch
    if workers is not None:
        loader.num_workers = workers
    loader.persistent_workers = loader.num_workers > 0
    loader.pin_memory = device == 'cuda'
    if loader.num_workers > 0:
        loader.setdefault('prefetch_factor', 2)
    else:
        loader.pop('prefetch_factor', None)
    loader.sampler = dict(type='InfiniteSampler', shuffle=True)
    return Runner.build_dataloader(loader, seed=seed), loader.num_workers


def time_loader(loader, warmup: int, iters: int, batch: int,
                workers: int) -> dict:
    """``next(loader)`` alone: images/s (and per worker)."""
    it = iter(loader)
    times = []
    for i in range(warmup + iters):
        start = time.perf_counter()
        next(it)
        if i >= warmup:
            times.append(time.perf_counter() - start)
    per_s = batch * len(times) / sum(times)
    return dict(load_times=times, images_per_s=per_s,
                images_per_s_per_worker=per_s / max(workers, 1),
                workers=workers)


def _to_device(data: dict, device: str) -> dict:
    inputs = data['inputs']
    move = (lambda x: x.to(device, non_blocking=True))  # noqa: E731
    inputs = [move(x) for x in inputs] if isinstance(
        inputs, (list, tuple)) else move(inputs)
    return dict(data, inputs=inputs)


def device_aug_batch(batch: int, size: int, device: str, seed: int = 0,
                     source: int = 256) -> dict:
    """Padded uint8 sources with recorded views, for a model whose data
    preprocessor is :class:`mmdense.datasets.DeviceAugDataPreprocessor`."""
    data = synthetic_batch(batch, size, device, seed, (source, source))
    gen = torch.Generator().manual_seed(seed + 1)
    data['inputs'] = torch.randint(0, 256, (batch, 3, source, source),
                                   generator=gen,
                                   dtype=torch.uint8).to(device)
    for s in data['data_samples']:
        s.set_metainfo(dict(source_scale=1.0))
    return data


def compile_backbones(model: nn.Module) -> None:
    """``torch.compile`` the student and teacher backbones in place."""
    for name in ('backbone', 'teacher_backbone'):
        if isinstance(getattr(model, name, None), nn.Module):
            setattr(model, name, torch.compile(getattr(model, name)))


# ----------------------------------------------------------- one config
def run_single(job: dict) -> dict:
    """Build, time and count one config (runs in its own process)."""
    if job['threads']:
        torch.set_num_threads(job['threads'])
    device = job['device']
    if device == 'cuda':
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(job['seed'])
    cfg = load_config(job['config'], job['cfg_options'])
    batch = job['batch']
    if job.get('data_only'):
        loader, workers = build_loader(cfg, batch, job.get('workers'),
                                       device, job['seed'])
        load_before = os.getloadavg()[0]
        out = time_loader(loader, job['warmup'], job['iters'], batch,
                          workers)
        return dict(config=job['config'], ok=True, data_only=True,
                    s_per_iter=statistics.median(out['load_times']),
                    load_avg=[load_before, os.getloadavg()[0]], **out)
    model = build_model(cfg, device)
    optim_wrapper = build_optim_wrapper(model, cfg, job['amp'], device)
    if job.get('channels_last'):
        from mmdense.engine.channels_last import to_channels_last
        to_channels_last(model)
    from mmdense.datasets.device_aug import DeviceAugDataPreprocessor
    device_aug = isinstance(model.data_preprocessor,
                            DeviceAugDataPreprocessor)
    loader = None
    if job.get('data', 'synthetic') == 'loader':
        loader, workers = build_loader(cfg, batch, job.get('workers'),
                                       device, job['seed'])
        loader = iter(loader)
        data = None
    elif device_aug:
        data = device_aug_batch(batch, job['size'], device, job['seed'])
    else:
        data = synthetic_batch(batch, job['size'], device, job['seed'])
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f'  {type(model).__name__}, {params / 1e6:.1f} M trainable '
          f'parameters, {type(optim_wrapper).__name__}', flush=True)
    macs = None
    if job.get('compile'):
        # count before compiling (the counter hooks the modules' forwards)
        first = data if loader is None else _to_device(next(loader), device)
        macs = count_macs(model, first)
        compile_backbones(model)
    if device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    load_before = os.getloadavg()[0]
    times, waits, cpu_times = time_train_steps(model, optim_wrapper, data,
                                    job['warmup'], job['iters'], device,
                                    job['label'], loader)
    load_after = os.getloadavg()[0]
    memory = peak_memory_mib(device)  # before the MAC pass (no-grad, less)
    if macs is None:
        first = data if loader is None else _to_device(next(loader), device)
        macs = count_macs(model, first)
    s_iter = statistics.median(times)
    return dict(
        config=job['config'],
        model=type(model).__name__,
        ok=True,
        iter_times=times,
        data_wait_times=waits,
        cpu_times=cpu_times,
        s_per_iter=s_iter,
        # CPU seconds (all threads of this process) per iteration: less
        # sensitive than wall time to other processes on a shared machine
        cpu_s_per_iter=statistics.median(cpu_times),
        images_per_s=batch / s_iter,
        data_wait_fraction=sum(waits) / sum(times),
        peak_mem_mib=memory.get('peak_cuda_mib', memory['peak_rss_mib']),
        peak_mem_kind='cuda_max_allocated' if device == 'cuda' else
        'peak_rss',
        **memory,
        # 1-minute load average of the machine around the timed steps: other
        # processes competing for the cores make the timings unreliable
        load_avg=[load_before, load_after],
        gmac_per_image={k: v / batch / 1e9
                        for k, v in macs.items()},
        total_gmac_per_image=sum(macs.values()) / batch / 1e9)


def run_config_subprocess(job: dict) -> dict:
    """Run :func:`run_single` for ``job`` in a fresh Python process."""
    with tempfile.TemporaryDirectory() as tmp:
        job_file = osp.join(tmp, 'job.json')
        job = dict(job, result_file=osp.join(tmp, 'result.json'))
        with open(job_file, 'w') as f:
            json.dump(job, f)
        proc = subprocess.run(
            [sys.executable, osp.abspath(__file__), '--single', job_file],
            env=dict(os.environ, PYTHONUNBUFFERED='1'))
        if proc.returncode != 0 or not osp.isfile(job['result_file']):
            return dict(config=job['config'], ok=False,
                        error=f'exit status {proc.returncode}')
        with open(job['result_file']) as f:
            return json.load(f)


def single_main(job_file: str) -> None:
    with open(job_file) as f:
        job = json.load(f)
    result = run_single(job)
    with open(job['result_file'], 'w') as f:
        json.dump(result, f)


# --------------------------------------------------------------- ratios
def add_ratios(results: List[dict]) -> None:
    """Time and MAC ratios of every config to the first, in place."""
    base = results[0]
    for r in results:
        if not (r.get('ok') and base.get('ok')):
            continue
        tr = r['s_per_iter'] / base['s_per_iter']
        if r.get('data_only') or base.get('data_only'):
            r['time_ratio'] = tr
            continue
        mr = r['total_gmac_per_image'] / base['total_gmac_per_image']
        r['time_ratio'], r['mac_ratio'] = tr, mr
        r['cpu_time_ratio'] = r['cpu_s_per_iter'] / base['cpu_s_per_iter'] \
            if base.get('cpu_s_per_iter') else None
        r['efficiency'] = tr / mr
        # extra time over the base vs what the extra MACs cost at its rate
        r['extra_time_factor'] = (tr - 1) / (mr - 1) if abs(mr - 1) > 1e-3 \
            else None
        ctr = r['cpu_time_ratio']
        r['extra_cpu_time_factor'] = (ctr - 1) / (mr - 1) if ctr is not None \
            and abs(mr - 1) > 1e-3 else None


# ---------------------------------------------------------------- tables
def _table(header: List[str], rows: List[List[str]]) -> str:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' for _ in header) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    return '\n'.join(lines)


def _fmt(value, spec: str = '.2f') -> str:
    return '-' if value is None else format(value, spec)


def speed_table(results: List[dict]) -> str:
    rows = []
    for r in results:
        if not r.get('ok'):
            rows.append([r['config'], 'FAILED: ' + r.get('error', '')] +
                        ['-'] * 7)
            continue
        rows.append([
            r['config'], r['model'], _fmt(r['s_per_iter'], '.3f'),
            _fmt(r['images_per_s'], '.2f'), _fmt(r['peak_mem_mib'], '.0f'),
            _fmt(r.get('data_wait_fraction'), '.2f'),
            _fmt(r.get('time_ratio')), _fmt(r.get('cpu_s_per_iter'), '.2f'),
            _fmt(r.get('cpu_time_ratio')),
            '{:.1f} / {:.1f}'.format(*r['load_avg'])
        ])
    return _table(['config', 'model', 's/iter (median)', 'images/s',
                   'peak MiB', 'data wait', 'time ratio', 'CPU s/iter',
                   'CPU-time ratio', 'load avg before / after'], rows)


def data_table(results: List[dict]) -> str:
    rows = [[
        r['config'], str(r['workers']), _fmt(r['s_per_iter'], '.3f'),
        _fmt(r['images_per_s'], '.1f'),
        _fmt(r['images_per_s_per_worker'], '.1f'),
        '{:.1f} / {:.1f}'.format(*r['load_avg'])
    ] if r.get('ok') else [r['config'], 'FAILED'] + ['-'] * 4
            for r in results]
    return _table(['config', 'workers', 's/batch (median)', 'images/s',
                   'images/s per worker', 'load avg before / after'], rows)


def mac_table(results: List[dict]) -> str:
    parts = []
    for r in results:
        for k in r.get('gmac_per_image', {}):
            if k not in parts and k != 'other':
                parts.append(k)
    parts.append('other')
    rows = [[r['config']] + [
        _fmt(r['gmac_per_image'].get(p), '.3f') if p in r['gmac_per_image']
        else '-' for p in parts
    ] + [_fmt(r['total_gmac_per_image'], '.3f')] for r in results
            if r.get('ok')]
    return _table(['config'] + parts + ['total'], rows)


def ratio_table(results: List[dict]) -> str:
    rows = []
    for r in results[1:]:
        if 'time_ratio' not in r:
            continue
        factor = r['extra_time_factor']
        cpu_factor = r.get('extra_cpu_time_factor')
        rows.append([
            r['config'], _fmt(r['time_ratio'], '.3f'),
            _fmt(r['mac_ratio'], '.3f'), _fmt(r['efficiency'], '.3f'),
            _fmt(factor), '-' if factor is None else
            ('yes' if r['time_ratio'] <= 1 or factor <= 1.2 else 'no'),
            _fmt(r.get('cpu_time_ratio'), '.3f'), _fmt(cpu_factor)
        ])
    return _table(['config', 'time ratio', 'MAC ratio',
                   'efficiency (time/MAC)', 'extra time / extra MACs',
                   'within 1.2x', 'CPU-time ratio',
                   'extra CPU time / extra MACs'], rows)


def print_report(results: List[dict], settings: dict) -> None:
    if settings.get('data_only'):
        print(f"\ndata loading only, batch {settings['batch']}, "
              f"{settings['iters']} timed + {settings['warmup']} warm-up "
              'batches\n')
        print(data_table(results))
        return
    print(f"\nbatch {settings['batch']}, {settings['size']} px, "
          f"{settings['iters']} timed + {settings['warmup']} warm-up "
          f"iterations, {settings['device']}, amp {settings['amp']}, "
          f"channels_last {settings.get('channels_last', False)}, "
          f"compile {settings.get('compile', False)}, data "
          f"{settings.get('data', 'synthetic')}, "
          f"{settings['threads']} threads\n")
    print(speed_table(results))
    print('\nGMAC per image (one forward pass, student + teacher):\n')
    print(mac_table(results))
    if len(results) > 1:
        print(f"\nratios to {results[0]['config']}:\n")
        print(ratio_table(results))


# ------------------------------------------------------------------ main
def machine_info(device: str) -> dict:
    info = dict(python=platform.python_version(), torch=torch.__version__,
                cpu=platform.processor() or platform.machine(),
                cpu_count=os.cpu_count())
    if device == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(0)
    return info


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.single:
        single_main(args.single)
        return
    settings = dict(batch=args.batch, size=args.size, iters=args.iters,
                    warmup=args.warmup, device=args.device, amp=args.amp,
                    threads=args.threads or torch.get_num_threads(),
                    seed=args.seed, cfg_options=args.cfg_options or {},
                    channels_last=args.channels_last, compile=args.compile,
                    data=args.data, workers=args.workers,
                    data_only=args.data_only)
    results = []
    for i, config in enumerate(args.configs):
        print(f'[{i + 1}/{len(args.configs)}] {config}', flush=True)
        start = time.perf_counter()
        result = run_config_subprocess(
            dict(settings, config=config, label=osp.basename(config),
                 threads=args.threads))
        result['wall_s'] = time.perf_counter() - start
        status = 'FAILED' if not result.get('ok') else (
            f"{result['images_per_s']:.1f} images/s" if args.data_only else
            f"{result['s_per_iter']:.3f} s/iter, "
            f"{result['total_gmac_per_image']:.2f} GMAC/image")
        print(f"[{i + 1}/{len(args.configs)}] done in "
              f"{result['wall_s']:.0f} s: {status}", flush=True)
        results.append(result)
    add_ratios(results)
    print_report(results, settings)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(settings=settings,
                           machine=machine_info(args.device),
                           results=results), f, indent=2)
        print(f'\nwrote {args.out}')


if __name__ == '__main__':
    run_cli(main)
