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
:class:`mmdense.models.data_preprocessors.DeviceAugDataPreprocessor`: padded
uint8 sources with recorded boxes), so only the step is timed.  ``--data
loader`` builds the config's ``train_dataloader`` (batch ``--batch``,
``--workers`` workers, pinned memory on CUDA, persistent workers) and times
``next(loader)`` + ``train_step``; the fraction of each iteration spent
waiting for the loader is reported.  ``--data-only`` times the loader alone
(no model): images/s, and images/s per worker (decode + views +
augmentation).

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

The code is in :mod:`mmdense.analysis`; this script is its command line.
"""
import argparse
import json
import os
import os.path as osp
import time

import torch

from mmdense.analysis import (PEERS, add_ratios, machine_info, print_report,
                              run_config_subprocess, single_main)
from mmdense.utils.cli import add_debug_arg, run_cli


# --------------------------------------------------------------------- args
def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Benchmark pre-training steps of several configs',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('Usage::')[1].split('Configs are')[0])
    parser.add_argument(
        'configs',
        nargs='*',
        help='config files; ratios are '
        'taken to the first')
    parser.add_argument(
        '--batch',
        type=int,
        default=8,
        help='images per step (each with two views)')
    parser.add_argument('--size', type=int, default=224, help='view size')
    parser.add_argument(
        '--iters',
        type=int,
        default=5,
        help='timed iterations (the median is reported)')
    parser.add_argument(
        '--warmup', type=int, default=2, help='untimed iterations first')
    parser.add_argument(
        '--device',
        choices=['cpu', 'cuda'],
        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--amp',
        choices=['none', 'fp16', 'bf16'],
        default='none',
        help='autocast dtype (none: fp32)')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='channels_last model and inputs')
    parser.add_argument(
        '--compile', action='store_true', help='torch.compile the backbones')
    parser.add_argument(
        '--data',
        choices=['synthetic', 'loader'],
        default='synthetic',
        help='fixed device tensors, or '
        "the config's train_dataloader")
    parser.add_argument(
        '--workers',
        type=int,
        default=None,
        help='dataloader workers (default: the config\'s)')
    parser.add_argument(
        '--data-only',
        action='store_true',
        help='time the dataloader alone (no model)')
    parser.add_argument(
        '--peers',
        action='store_true',
        help='append mmpretrain\'s DenseCL and MoCo v2')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help='torch.set_num_threads (default: torch\'s)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='overrides applied to every config')
    parser.add_argument('--out', help='write the results as JSON')
    # internal: run one config described by a JSON job file
    parser.add_argument('--single', help=argparse.SUPPRESS)
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if args.peers:
        args.configs = list(
            args.configs) + [c for c in PEERS if c not in args.configs]
    if not args.single and not args.configs:
        parser.error('give at least one config')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.single:
        single_main(args.single)
        return
    settings = dict(
        batch=args.batch,
        size=args.size,
        iters=args.iters,
        warmup=args.warmup,
        device=args.device,
        amp=args.amp,
        threads=args.threads or torch.get_num_threads(),
        seed=args.seed,
        cfg_options=args.cfg_options or {},
        channels_last=args.channels_last,
        compile=args.compile,
        data=args.data,
        workers=args.workers,
        data_only=args.data_only)
    results = []
    for i, config in enumerate(args.configs):
        print(f'[{i + 1}/{len(args.configs)}] {config}', flush=True)
        start = time.perf_counter()
        result = run_config_subprocess(
            dict(
                settings,
                config=config,
                label=osp.basename(config),
                threads=args.threads), __file__)
        result['wall_s'] = time.perf_counter() - start
        status = 'FAILED' if not result.get('ok') else (
            f"{result['images_per_s']:.1f} images/s"
            if args.data_only else f"{result['s_per_iter']:.3f} s/iter, "
            f"{result['total_gmac_per_image']:.2f} GMAC/image")
        print(
            f"[{i + 1}/{len(args.configs)}] done in "
            f"{result['wall_s']:.0f} s: {status}",
            flush=True)
        results.append(result)
    add_ratios(results)
    print_report(results, settings)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(
                dict(
                    settings=settings,
                    machine=machine_info(args.device),
                    results=results),
                f,
                indent=2)
        print(f'\nwrote {args.out}')


if __name__ == '__main__':
    run_cli(main)
