"""Pre-training step speed of one config: config loading, model and optimizer
building, synthetic / device-aug batches, timing of train steps and of the
dataloader, peak memory, ``torch.compile``, and one config per subprocess.

The library behind ``tools/analysis_tools/benchmark_pretrain.py`` (its
docstring describes the measurements).
"""
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, Optional

import numpy as np
import torch
import torch.nn as nn

from .macs import count_macs

PEERS = ('mmpretrain::densecl/densecl_resnet50_8xb32-coslr-200e_in1k.py',
         'mmpretrain::mocov2/mocov2_resnet50_8xb32-coslr-200e_in1k.py')


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
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope

    from mmdense.utils import register_all_modules

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


def synthetic_batch(batch: int,
                    size: int,
                    device: str,
                    seed: int = 0,
                    source_hw=(480, 640)) -> dict:
    """Two uint8 views per image (random content) with their geometry: two
    overlapping source boxes, view 1 flipped."""
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(seed)
    inputs = [
        torch.randint(
            0, 256, (batch, 3, size, size), generator=gen,
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
        samples.append(
            DataSample(
                metainfo=dict(
                    view_boxes=[[x0, y0, x0 + bw, y0 +
                                 bh], [x1, y1, x1 + bw, y1 + bh]],
                    view_flips=[False, True],
                    view_sizes=[(size, size), (size, size)],
                    ori_shape=(h, w))))
    return dict(inputs=inputs, data_samples=samples)


# ------------------------------------------------------------------ timing
def _sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def time_train_steps(model,
                     optim_wrapper,
                     data: Optional[dict],
                     warmup: int,
                     iters: int,
                     device: str,
                     label: str = '',
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
        print(
            f'  {label} step {i + 1}/{warmup + iters} ({kind}): '
            f'{dt:.3f} s (data {wait:.3f} s, CPU time {cpu:.3f} s)',
            flush=True)
        if i >= warmup:
            times.append(dt)
            waits.append(wait)
            cpu_times.append(cpu)
    return times, waits, cpu_times


def peak_memory_mib(device: str) -> Dict[str, float]:
    """Peak RSS of this process (MiB), and the peak CUDA allocation."""
    out = dict(
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss /
        1024)  # KiB on Linux
    if device == 'cuda':
        out['peak_cuda_mib'] = torch.cuda.max_memory_allocated() / 2**20
    return out


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
    return dict(
        load_times=times,
        images_per_s=per_s,
        images_per_s_per_worker=per_s / max(workers, 1),
        workers=workers)


def _to_device(data: dict, device: str) -> dict:
    inputs = data['inputs']
    move = (lambda x: x.to(device, non_blocking=True))  # noqa: E731
    inputs = [move(x)
              for x in inputs] if isinstance(inputs,
                                             (list, tuple)) else move(inputs)
    return dict(data, inputs=inputs)


def device_aug_batch(batch: int,
                     size: int,
                     device: str,
                     seed: int = 0,
                     source: int = 256) -> dict:
    """Padded uint8 sources with recorded views, for a model whose data
    preprocessor is
    :class:`mmdense.models.data_preprocessors.DeviceAugDataPreprocessor`."""
    data = synthetic_batch(batch, size, device, seed, (source, source))
    gen = torch.Generator().manual_seed(seed + 1)
    data['inputs'] = torch.randint(
        0, 256, (batch, 3, source, source), generator=gen,
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
        loader, workers = build_loader(cfg, batch, job.get('workers'), device,
                                       job['seed'])
        load_before = os.getloadavg()[0]
        out = time_loader(loader, job['warmup'], job['iters'], batch, workers)
        return dict(
            config=job['config'],
            ok=True,
            data_only=True,
            s_per_iter=statistics.median(out['load_times']),
            load_avg=[load_before, os.getloadavg()[0]],
            **out)
    model = build_model(cfg, device)
    optim_wrapper = build_optim_wrapper(model, cfg, job['amp'], device)
    if job.get('channels_last'):
        from mmdense.engine import to_channels_last
        to_channels_last(model)
    from mmdense.models.data_preprocessors import DeviceAugDataPreprocessor
    device_aug = isinstance(model.data_preprocessor, DeviceAugDataPreprocessor)
    loader = None
    if job.get('data', 'synthetic') == 'loader':
        loader, workers = build_loader(cfg, batch, job.get('workers'), device,
                                       job['seed'])
        loader = iter(loader)
        data = None
    elif device_aug:
        data = device_aug_batch(batch, job['size'], device, job['seed'])
    else:
        data = synthetic_batch(batch, job['size'], device, job['seed'])
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(
        f'  {type(model).__name__}, {params / 1e6:.1f} M trainable '
        f'parameters, {type(optim_wrapper).__name__}',
        flush=True)
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
                                               job['warmup'], job['iters'],
                                               device, job['label'], loader)
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
        peak_mem_kind='cuda_max_allocated' if device == 'cuda' else 'peak_rss',
        **memory,
        # 1-minute load average of the machine around the timed steps: other
        # processes competing for the cores make the timings unreliable
        load_avg=[load_before, load_after],
        gmac_per_image={
            k: v / batch / 1e9
            for k, v in macs.items()
        },
        total_gmac_per_image=sum(macs.values()) / batch / 1e9)


def run_config_subprocess(job: dict, script: str) -> dict:
    """Run :func:`run_single` for ``job`` in a fresh Python process: the
    benchmark ``script``, run with ``--single JOB_FILE``, calls
    :func:`single_main`."""
    with tempfile.TemporaryDirectory() as tmp:
        job_file = osp.join(tmp, 'job.json')
        job = dict(job, result_file=osp.join(tmp, 'result.json'))
        with open(job_file, 'w') as f:
            json.dump(job, f)
        proc = subprocess.run(
            [sys.executable,
             osp.abspath(script), '--single', job_file],
            env=dict(os.environ, PYTHONUNBUFFERED='1'))
        if proc.returncode != 0 or not osp.isfile(job['result_file']):
            return dict(
                config=job['config'],
                ok=False,
                error=f'exit status {proc.returncode}')
        with open(job['result_file']) as f:
            return json.load(f)


def single_main(job_file: str) -> None:
    with open(job_file) as f:
        job = json.load(f)
    result = run_single(job)
    with open(job['result_file'], 'w') as f:
        json.dump(result, f)
