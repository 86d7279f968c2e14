"""Fine-tune pre-trained weights on transfer benchmarks and tabulate them.

    python tools/transfer.py --checkpoint work_dirs/decon/epoch_800.pth \
        --name decon --suite coco-det voc-seg --seeds 0 1 2
    python tools/transfer.py --config configs/decon/coco.py --suite all
    python tools/transfer.py --random-init --suite synthetic

Each (weights, benchmark, seed) run lives in
``WORK_DIR/runs/NAME/BENCHMARK/seedS`` and is skipped once its
``metrics.json`` exists, so re-running resumes and adds to the table.  After
the runs, every finished run under WORK_DIR is collected into
``results.{md,csv,json,png}`` (mean ± std over seeds; one seed: the value
alone), with the weights file (and its sha256) behind every cell.  Runs
fine-tuned from different weights files are not merged under one ``--name``
unless ``--allow-mixed-weights`` says so (e.g. a DeCon FPN checkpoint for
detection and a DeCon FCN checkpoint for segmentation in one row).
"""
import argparse
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
from typing import List, Optional, Tuple

from mmengine.config import Config, DictAction

from mmdense.utils.cli import add_debug_arg, add_trust_arg, run_cli

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
B = 'configs/benchmarks/'
SUITES = {
    # detectron2's R_50_FPN_1x as DenseCL / SlotCon / DeCon ran it (90k);
    # 'coco-det-12e': mmselfsup's 12-epoch variant
    'coco-det': [B + 'mmdet/mask-rcnn_r50-syncbn_fpn_90k_coco.py'],
    'coco-det-12e': [B + 'mmdet/mask-rcnn_r50-syncbn_fpn_ms-1x_coco.py'],
    'voc-det': [B + 'mmdet/faster-rcnn_r50-syncbn-c4_ms-24k_voc0712.py'],
    'voc-seg': [B + 'mmseg/fcn-d6_r50-d16_2xb8-30k_voc12aug-513x513.py'],
    'cityscapes-seg':
    [B + 'mmseg/fcn-d6_r50-d16_2xb8-90k_cityscapes-769x769.py'],
    'ade20k-seg': [B + 'mmseg/fcn_r50-d8_4xb4-80k_ade20k-512x512.py'],
    'densecl-seg': [
        B + 'mmseg/fcn_r50-d8_4xb4-20k_voc12aug-512x512.py',
        B + 'mmseg/fcn_r50-d8_4xb2-40k_cityscapes-769x769.py'
    ],
    'synthetic-det': [B + 'synthetic/mask-rcnn_r18-fpn_synthetic-coco.py'],
    'synthetic-seg': [
        B + 'synthetic/fcn-d6_r18-d16_synthetic-voc12aug.py',
        B + 'synthetic/fcn-d6_r18-d16_synthetic-cityscapes.py'
    ],
    'synthetic-voc-seg':
    [B + 'synthetic/fcn-d6_r18-d16_synthetic-voc12aug.py'],
    # frozen-feature dense linear probes (no fine-tuning): of C5, and of a
    # pre-trained FCN decoder (DeCon FCN exports only)
    'synthetic-probe': [B + 'synthetic/probe_r18-d16_synthetic-voc12aug.py'],
    'synthetic-probe-dec':
    [B + 'synthetic/probe-dec_r18-d16_synthetic-voc12aug.py'],
}
SUITES['all'] = (
    SUITES['coco-det'] + SUITES['voc-det'] + SUITES['voc-seg'] +
    SUITES['cityscapes-seg'])
SUITES['synthetic'] = SUITES['synthetic-det'] + SUITES['synthetic-seg']


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Fine-tune pre-trained weights on transfer benchmarks')
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument(
        '--checkpoint', help='a pre-training checkpoint or an exported one')
    src.add_argument(
        '--config',
        help='a pre-training config: its work dir\'s latest '
        'checkpoint is used (see --pretrain-work-dir)')
    src.add_argument(
        '--random-init',
        action='store_true',
        help='no pre-training (the lower bound)')
    src.add_argument(
        '--collect-only',
        action='store_true',
        help='run nothing: tabulate the finished runs under '
        '--work-dir (e.g. after runs in parallel processes)')
    parser.add_argument(
        '--pretrain-work-dir',
        help='work dir of --config (default work_dirs/<name>)')
    parser.add_argument(
        '--name',
        help='row name in the table (default: '
        'the checkpoint / config name, "random")')
    parser.add_argument(
        '--suite',
        nargs='+',
        default=[],
        choices=SUITES,
        help='named lists of benchmarks')
    parser.add_argument(
        '--benchmarks', nargs='+', default=[], help='benchmark config files')
    parser.add_argument('--work-dir', default='work_dirs/transfer')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0])
    parser.add_argument(
        '--train-fraction',
        type=float,
        help='fine-tune on a fixed fraction of the training '
        'set (limited-data transfer)')
    parser.add_argument(
        '--source',
        choices=['student', 'teacher'],
        help="weights to export (default: the method's)")
    parser.add_argument(
        '--no-decoder',
        action='store_true',
        help='encoder-only transfer (load_decoder=False)')
    parser.add_argument(
        '--gpus',
        type=int,
        help="processes per run (tools/dist_train.sh); default: the "
        "benchmark config's `gpus` (its published GPU count, which with its "
        'per-GPU batch gives the published total batch), else 1')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='overrides applied to every benchmark config')
    parser.add_argument(
        '--allow-mixed-weights',
        action='store_true',
        help='let --name hold runs fine-tuned from different weights files '
        '(each cell still records its own file)')
    add_trust_arg(parser, '--checkpoint')
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if not args.suite and not args.benchmarks and not args.collect_only:
        parser.error('give --suite and/or --benchmarks')
    return args


def resolve_weights(args, out_dir: str) -> Optional[str]:
    """The weights-only file the benchmarks load, as an absolute path (None
    for random init)."""
    if args.random_init:
        return None
    ckpt = args.checkpoint
    if args.config:
        work = args.pretrain_work_dir or osp.join(
            'work_dirs',
            osp.splitext(osp.basename(args.config))[0])
        pointer = osp.join(work, 'last_checkpoint')
        if not osp.isfile(pointer):
            raise FileNotFoundError(
                f'no checkpoint of {args.config} in {work}; pre-train first '
                f'(tools/train.py {args.config}) or pass --checkpoint')
        with open(pointer) as f:
            ckpt = f.read().strip()
    if not osp.isfile(ckpt):
        raise FileNotFoundError(f'checkpoint "{ckpt}" not found')
    from mmdense.utils.checkpoint import load_checkpoint_file
    from mmdense.weights import needs_export
    loaded = load_checkpoint_file(ckpt, trust=args.trust, option='--trust')
    if not needs_export(loaded) and args.source is None:
        return osp.abspath(ckpt)  # already exported: plain tensors
    from mmdense.weights import export_weights

    # one file per source checkpoint: a second checkpoint under the same
    # --name must not overwrite the weights of finished runs
    tag = hashlib.sha256(osp.abspath(ckpt).encode()).hexdigest()[:8]
    stem = osp.splitext(osp.basename(ckpt))[0]
    out = osp.abspath(
        osp.join(out_dir, f'weights-{stem}-{tag}-{args.source or "auto"}'
                 '.pth'))
    export_weights(loaded, out, 'mm', args.source)
    return out


def sha256(path: Optional[str]) -> Optional[str]:
    if path is None:
        return None
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def check_one_weights_file(name: str, digest: Optional[str], path,
                           work_dir: str, allow_mixed: bool) -> None:
    """Refuse to add runs from other weights to a ``--name`` whose finished
    runs came from different weights (a table row would mix them)."""
    if allow_mixed:
        return
    for run in collect(work_dir):
        if run['name'] == name and run.get('weights_sha256') != digest:
            theirs = run.get('weights') or 'random init'
            raise SystemExit(
                f'[transfer] --name {name} already holds runs fine-tuned '
                f'from {theirs}, not from {path or "random init"}: use '
                'another --name, or --allow-mixed-weights to put both in '
                'one row (every cell records its weights file).')


def run_name(args) -> str:
    if args.name:
        return args.name
    if args.random_init:
        return 'random'
    path = args.config or args.checkpoint
    return osp.splitext(osp.basename(path))[0]


def run_gpus(cfg, requested: Optional[int], bench: str) -> int:
    """The processes of a run: ``--gpus``, else the config's ``gpus``; a
    number other than the config's changes the total batch of its protocol,
    which is said, not hidden."""
    protocol = cfg.get('gpus')
    gpus = requested or protocol or 1
    if protocol and gpus != protocol:
        per_gpu = cfg.train_dataloader.batch_size
        print(
            f'[transfer] {osp.basename(bench)}: {gpus} processes x '
            f'{per_gpu} = {gpus * per_gpu} images per step, the protocol '
            f'has {protocol} x {per_gpu} = {protocol * per_gpu}: not the '
            'published setting',
            flush=True)
    return gpus


def prepare_config(bench: str, weights: Optional[str], seed: int, args,
                   run_dir: str) -> Tuple[str, int, bool]:
    """The run's config file, its processes, and whether it is a probe
    benchmark (a ``probe`` dict: tools/analysis_tools/dense_probe.py, no
    fine-tuning)."""
    cfg = Config.fromfile(
        osp.join(ROOT, bench)
        if not osp.isabs(bench) and not osp.exists(bench) else bench)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.pretrained = osp.abspath(weights) if weights else None
    if args.no_decoder:
        cfg.load_decoder = False
    cfg.randomness = dict(seed=seed, deterministic=False)
    cfg.work_dir = run_dir
    if args.train_fraction:
        cfg.train_dataloader.dataset = dict(
            type='mmdense.datasets.SubsetDataset',
            dataset=cfg.train_dataloader.dataset,
            fraction=args.train_fraction,
            seed=0)
    gpus = run_gpus(cfg, args.gpus, bench)
    path = osp.join(run_dir, 'config.py')
    cfg.dump(path)
    return path, gpus, 'probe' in cfg


def fine_tune(config: str,
              gpus: int,
              run_dir: str,
              probe: bool = False) -> None:
    if probe:
        cmd = [
            sys.executable,
            osp.join(ROOT, 'tools/analysis_tools/dense_probe.py'), config
        ]
    elif gpus > 1:
        cmd = [
            'bash',
            osp.join(ROOT, 'tools/dist_train.sh'), config,
            str(gpus)
        ]
    else:
        cmd = [sys.executable, osp.join(ROOT, 'tools/train.py'), config]
    cmd += ['--work-dir', run_dir]
    with open(osp.join(run_dir, 'train.log'), 'w') as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise RuntimeError(f'fine-tuning failed ({proc.returncode}); see '
                           f'{osp.join(run_dir, "train.log")}')


def collect(work_dir: str) -> List[dict]:
    runs = []
    for root, _, files in os.walk(osp.join(work_dir, 'runs')):
        if 'metrics.json' in files:
            with open(osp.join(root, 'metrics.json')) as f:
                runs.append(json.load(f))
    return sorted(runs, key=lambda r: (r['name'], r['benchmark'], r['seed']))


def main(argv=None):
    args = parse_args(argv)
    from mmdense.evaluation import last_metrics
    if args.collect_only:
        return tabulate(args.work_dir)
    name = run_name(args)
    benches = [b for s in args.suite for b in SUITES[s]] + args.benchmarks
    if args.train_fraction:
        name = f'{name}@{args.train_fraction:g}'
    name_dir = osp.join(args.work_dir, 'runs', name)
    os.makedirs(name_dir, exist_ok=True)
    weights = resolve_weights(args, name_dir)
    digest = sha256(weights)
    check_one_weights_file(name, digest, weights, args.work_dir,
                           args.allow_mixed_weights)
    for bench in benches:
        stem = osp.splitext(osp.basename(bench))[0]
        for seed in args.seeds:
            run_dir = osp.abspath(osp.join(name_dir, stem, f'seed{seed}'))
            done = osp.join(run_dir, 'metrics.json')
            if osp.isfile(done):
                print(f'[transfer] {name} / {stem} / seed {seed}: done, '
                      'skipped')
                continue
            os.makedirs(run_dir, exist_ok=True)
            print(
                f'[transfer] {name} / {stem} / seed {seed}: fine-tuning '
                f'(log: {run_dir}/train.log)',
                flush=True)
            config, gpus, probe = prepare_config(bench, weights, seed, args,
                                                 run_dir)
            fine_tune(config, gpus, run_dir, probe)
            metrics = last_metrics(run_dir)
            if not metrics:
                raise RuntimeError(f'no evaluation metrics in {run_dir}')
            record = dict(
                name=name,
                benchmark=stem,
                seed=seed,
                metrics=metrics,
                weights=weights,
                weights_sha256=digest,
                checkpoint=args.checkpoint or args.config,
                no_decoder=args.no_decoder,
                train_fraction=args.train_fraction)
            tmp = done + '.tmp'
            with open(tmp, 'w') as f:
                json.dump(record, f, indent=1)
            os.replace(tmp, done)
    tabulate(args.work_dir)


def tabulate(work_dir: str) -> None:
    """Collect every finished run under ``work_dir`` into the results
    files and print the table."""
    from mmdense.evaluation import aggregate, markdown_table, write_results
    runs = collect(work_dir)
    if not runs:
        raise SystemExit(f'[transfer] no finished run under {work_dir}/runs')
    rows = aggregate(runs)
    paths = write_results(rows, runs, work_dir)
    print(markdown_table(rows))
    print('[transfer] results: ' + ', '.join(paths.values()))


if __name__ == '__main__':
    run_cli(main)
