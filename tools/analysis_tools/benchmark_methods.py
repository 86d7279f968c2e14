"""Pre-train every method's CPU demo for one equal budget and compare them.

Usage::

    python tools/analysis_tools/benchmark_methods.py [--iters 200]
        [--methods densecl relative_loc ...] [--seed 0]
        [--work-dir work_dirs/benchmark_methods]
        [--positive-control SUPERVISED_CKPT | --no-positive-control]
        [--data-root data/synthetic]

    # two methods, a few iterations (a smoke run)
    python tools/analysis_tools/benchmark_methods.py --iters 4 \\
        --methods densecl relative_loc --no-positive-control

Steps:

1. The synthetic data (``make_synthetic_datasets``: ``--num-train 64
   --num-val 32 --num-unlabeled 64`` by default, and DetCon's FH masks of
   its COCO+ images; a root whose manifest
   matches is reused).
2. Every method of ``docs/algorithms.md`` pre-trains its CPU demo config
   (``configs/<method>/demo.py``; DeCon five times: ``demo.py`` with the
   FPN decoder, ``demo_fcn.py`` with the FCN one, ``demo_pixpro.py``,
   ``demo_detcon.py`` and ``demo_vicregl.py`` over PixPro, DetCon and
   VICRegL with the FPN) for ``--iters`` iterations::

       python tools/train.py CONFIG --work-dir WORK/pretrain/NAME \\
           --cfg-options train_cfg.max_iters=N \\
           default_hooks.checkpoint.interval=N randomness.seed=SEED

   with its log in ``WORK/pretrain/NAME.log`` and its wall time in
   ``WORK/pretrain/NAME.json``.  A run whose ``iter_N.pth`` exists is
   reused, so running the command again resumes.  Without
   ``--positive-control`` the supervised positive control
   (:data:`SUPERVISED`, an FCN on the synthetic labels) is trained the same
   way, when that config exists.
3. Rows: **random init** (the DenseCL demo model after ``init_weights``),
   **positive control** (the ``backbone.*`` tensors of a supervised
   checkpoint loaded exactly into that model's ResNet-18), then every
   method.  Every row is measured on held-out synthetic images:

   * **probe mIoU**: :class:`mmdense.engine.hooks.DenseProbeHook`'s
     frozen linear probe of the last feature map (C5; for DeCon also its
     decoder level ``dec0``), fitted on the synthetic VOC2012 segmentation
     ``train`` split and scored on ``val`` (21 classes, images resized to
     160 x 120);
   * **crop kNN / linear top-1**: every annotated object of the synthetic
     COCO ``train`` / ``val`` scenes cut out by its box, resized to
     ``--crop-size``, normalised by the model's own data preprocessor; its
     global-average-pooled C5 vector is classified (5 classes, chance 20%)
     by a weighted cosine kNN over the train crops (:func:`knn_accuracy`)
     and by the probe's linear classifier (its pixel accuracy on 1 x 1
     maps);
   * **pretext held-out accuracy** of the methods whose head computes one:
     context prediction (8-way), patch adjacent / order (2-way; the
     ``acc`` of :class:`PatchPairHead`) and CPC v2 (InfoNCE top-1 over every
     patch target of the batch, from :class:`CPCHead`'s own logits and
     labels).  Computed on COCO ``val2017`` (not pre-training images) with
     the method's own pipeline and batch size, the model in eval mode
     without gradients, over ``--pretext-rounds`` seeded passes.  The
     other heads (instance and dense contrastive, DIM, CLIP) return losses
     only: no accuracy is reported for them.

Written: ``WORK/results.{md,csv,json,png}``; the markdown table is printed.
The default budget (200 iterations) took 23 minutes on 2 CPU cores with
``OMP_NUM_THREADS=1`` (about 21 of them pre-training); see
``docs/evidence.md``.
Checkpoints are read weights-only (:func:`load_checkpoint_file`); nothing is
downloaded.
"""
import argparse
import contextlib
import csv
import datetime
import functools
import importlib.util
import json
import os
import os.path as osp
import platform
import shlex
import subprocess
import sys
import time
from collections import OrderedDict
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from mmdense.utils.cli import add_debug_arg, add_trust_arg, run_cli

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: row name -> CPU demo config, in the order of docs/algorithms.md
METHODS = OrderedDict(
    instdisc='configs/instdisc/demo.py',
    mocov1='configs/mocov1/demo.py',
    mocov2='configs/mocov2/demo.py',
    simclr='configs/simclr/demo.py',
    simsiam='configs/simsiam/demo.py',
    byol='configs/byol/demo.py',
    densecl='configs/densecl/demo.py',
    slotcon='configs/slotcon/demo.py',
    decon_fpn='configs/decon/demo.py',
    decon_fcn='configs/decon/demo_fcn.py',
    pixpro='configs/pixpro/demo.py',
    decon_pixpro='configs/decon/demo_pixpro.py',
    detcon='configs/detcon/demo.py',
    decon_detcon='configs/decon/demo_detcon.py',
    vicregl='configs/vicregl/demo.py',
    decon_vicregl='configs/decon/demo_vicregl.py',
    dim='configs/dim/demo.py',
    cpcv2='configs/cpcv2/demo.py',
    relative_loc='configs/relative_loc/demo.py',
    clip='configs/clip/demo.py',
    dgi_dim='configs/dgi_dim/demo.py',
    patch_adjacent='configs/patch_adjacent/demo.py',
    patch_order='configs/patch_order/demo.py',
)
SUPERVISED = ('configs/benchmarks/synthetic/'
              'supervised_fcn_r18_synthetic-ade20k.py')
#: the model of the random-init and positive-control rows
BASELINE_CONFIG = METHODS['densecl']
RANDOM, POSITIVE = 'random init', 'positive control'
PROBE_SIZE = (160, 120)  # the synthetic images' own size
#: the frozen dense probe of the transfer table, on the same data
PROBE_CONFIG = ('configs/benchmarks/synthetic/'
                'probe_r18-d16_synthetic-voc12aug.py')
NUM_SEG_CLASSES = 21  # VOC (PROBE_CONFIG's num_classes)
NUM_OBJECT_CLASSES = 5  # mmdense.datasets.synthetic.CLASSES
DATA_SEED = 0  # make_synthetic.py's default
#: (key, column title) of the metrics, in table and chart order
METRICS = (('probe_miou_c5', 'probe mIoU C5'), ('probe_miou_dec0',
                                                'probe mIoU decoder (dec0)'),
           ('crop_knn_top1', 'crop kNN top-1'),
           ('crop_linear_top1', 'crop linear top-1'), ('pretext_acc',
                                                       'pretext held-out acc'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Pre-train every method for an equal budget on CPU and '
        'compare the encoders (probe, object crops, pretext accuracy)',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('Usage::')[1].split('Steps:')[0])
    parser.add_argument(
        '--iters',
        type=int,
        default=200,
        help='pre-training iterations of every method (and '
        'of the positive control it trains)')
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=list(METHODS),
        default=list(METHODS),
        metavar='METHOD',
        help=f'subset of: {" ".join(METHODS)}')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_methods')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='training seed (randomness.seed), random-init '
        'seed and pretext evaluation seed')
    control = parser.add_mutually_exclusive_group()
    control.add_argument(
        '--positive-control',
        metavar='CKPT',
        help='a supervised checkpoint whose state_dict holds backbone.* of '
        f'the same ResNet-18 (default: train {SUPERVISED} for --iters)')
    control.add_argument(
        '--no-positive-control',
        action='store_true',
        help='leave the positive-control row out')
    parser.add_argument(
        '--data-root',
        default='data/synthetic',
        help='the synthetic data (made there if missing)')
    parser.add_argument('--num-train', type=int, default=64)
    parser.add_argument('--num-val', type=int, default=32)
    parser.add_argument('--num-unlabeled', type=int, default=64)
    parser.add_argument(
        '--crop-size',
        type=int,
        default=64,
        help='object crops are resized to this square')
    parser.add_argument('--knn-k', type=int, default=10)
    parser.add_argument(
        '--pretext-rounds',
        type=int,
        default=8,
        help='seeded passes over COCO val2017 for the '
        'pretext accuracy')
    add_trust_arg(parser, '--positive-control')
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if args.iters < 1:
        parser.error('--iters must be >= 1')
    args.methods = [m for m in METHODS if m in args.methods]
    return args


# ------------------------------------------------------------------- data
def prepare_data(args) -> str:
    """Make the synthetic data; return the folder the training runs start
    in: one whose ``data/synthetic`` is ``--data-root`` (the configs read
    ``data/synthetic/...``)."""
    from mmdense.datasets.synthetic import make_synthetic_datasets
    make_synthetic_datasets(
        args.data_root,
        num_train=args.num_train,
        num_val=args.num_val,
        num_unlabeled=args.num_unlabeled,
        seed=DATA_SEED)
    # DetCon's FH masks of the COCO+ images (kept when present; a rebuilt
    # COCO root drops them with its old images)
    from mmdense.datasets import write_fh_masks
    write_fh_masks(
        osp.join(args.data_root, 'coco'), ('train2017', 'unlabeled2017'))
    data_root = osp.realpath(args.data_root)
    if data_root == osp.realpath('data/synthetic'):
        return os.getcwd()
    stage = osp.abspath(osp.join(args.work_dir, 'stage'))
    link = osp.join(stage, 'data', 'synthetic')
    if osp.realpath(link) != data_root:
        os.makedirs(osp.dirname(link), exist_ok=True)
        if osp.islink(link):
            os.unlink(link)
        os.symlink(data_root, link)
    return stage


# ------------------------------------------------------------ pre-training
def pretrain(name: str, config: str, args, cwd: str) -> dict:
    """Train ``config`` for ``--iters`` in ``WORK/pretrain/NAME`` (reused
    when its ``iter_N.pth`` exists); returns its record (checkpoint,
    command, wall time)."""
    out = osp.abspath(osp.join(args.work_dir, 'pretrain', name))
    ckpt = osp.join(out, f'iter_{args.iters}.pth')
    record_file, log = out + '.json', out + '.log'
    if osp.isfile(ckpt):
        print(f'[benchmark] {name}: reusing {ckpt}', flush=True)
        record = dict(name=name, config=config, wall_time_s=None)
        if osp.isfile(record_file):  # absent: a run made by other means
            with open(record_file) as f:
                record = json.load(f)
        return dict(record, checkpoint=ckpt)
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools/train.py'),
        osp.join(ROOT, config), '--work-dir', out, '--cfg-options',
        f'train_cfg.max_iters={args.iters}',
        f'default_hooks.checkpoint.interval={args.iters}',
        f'randomness.seed={args.seed}'
    ]
    print(
        f'[benchmark] {name}: pre-training {config} for {args.iters} '
        f'iterations (log: {log})',
        flush=True)
    os.makedirs(osp.dirname(out), exist_ok=True)
    start = time.perf_counter()
    with open(log, 'w') as f:
        proc = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - start
    if proc.returncode or not osp.isfile(ckpt):
        with open(log) as f:
            tail = ''.join(f.readlines()[-20:])
        raise RuntimeError(f'pre-training {name} failed (exit '
                           f'{proc.returncode}); see {log}:\n{tail}')
    record = dict(
        name=name,
        config=config,
        iters=args.iters,
        seed=args.seed,
        command=shlex.join(cmd),
        cwd=cwd,
        checkpoint=ckpt,
        wall_time_s=wall)
    with open(record_file, 'w') as f:
        json.dump(record, f, indent=1)
    print(f'[benchmark] {name}: done in {wall:.0f} s', flush=True)
    return record


# ------------------------------------------------------------------ models
def load_config(config: str):
    from mmengine.config import Config
    return Config.fromfile(osp.join(ROOT, config))


@functools.lru_cache(maxsize=None)
def _visualize_dense():
    """The sibling tool whose ``build_model`` builds a config's model."""
    spec = importlib.util.spec_from_file_location(
        'visualize_dense',
        osp.join(osp.dirname(__file__), 'visualize_dense.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_model(cfg, checkpoint: Optional[str] = None, seed: int = 0):
    """The config's model on the CPU in eval mode: a pre-training
    checkpoint's weights (every key, weights-only; memory banks sized to
    it), else the model's ``init_weights`` from ``seed``."""
    from mmengine.runner.checkpoint import _load_checkpoint_to_model

    from mmdense.models.memories import MemoryBank
    from mmdense.utils.checkpoint import load_checkpoint_file
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _visualize_dense().build_model(cfg, None)
        if checkpoint is None:
            model.init_weights()
            return model.eval()
    ckpt = load_checkpoint_file(checkpoint)
    for name, bank in model.named_modules():  # MemoryBankHook's sizing
        if isinstance(bank, MemoryBank) and bank.num_samples == 0:
            bank.resize_(len(ckpt['state_dict'][f'{name}.feats']))
    _load_checkpoint_to_model(model, ckpt, strict=True)
    return model.eval()


def load_positive_control(model, path: str, trust: bool = False) -> None:
    """The ``backbone.*`` tensors of a supervised checkpoint into
    ``model.backbone``: every key must match (names and shapes)."""
    from mmdense.utils.checkpoint import load_checkpoint_file
    from mmdense.weights import load_pretrained
    ckpt = load_checkpoint_file(path, trust=trust, option='--trust')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'{path} holds no state_dict')
    load_pretrained(model, path, weights=state, groups=('backbone', ))


# ------------------------------------------------------------- object crops
def object_crops(split: str, num: int, size: int):
    """Every annotated object of the first ``num`` synthetic scenes of
    ``split`` (``'train'`` / ``'val'``: COCO train2017 / val2017), cut out by
    its box and resized to ``size`` x ``size``: uint8 (N, 3, size, size)
    BGR crops (as ``LoadImageFromFile`` gives images) and labels 0..4."""
    import cv2

    from mmdense.datasets.synthetic import make_scene
    crops, labels = [], []
    for index in range(num):
        scene = make_scene(DATA_SEED, split, index, PROBE_SIZE)
        for inst in scene.instances:
            x0, y0, x1, y1 = inst.bbox
            crop = cv2.resize(
                scene.image[y0:y1, x0:x1, ::-1], (size, size),
                interpolation=cv2.INTER_AREA)
            crops.append(torch.from_numpy(crop.transpose(2, 0, 1).copy()))
            labels.append(inst.label)
    return torch.stack(crops), torch.tensor(labels)


def knn_accuracy(train_feats: torch.Tensor,
                 train_labels: torch.Tensor,
                 val_feats: torch.Tensor,
                 val_labels: torch.Tensor,
                 k: int = 10,
                 temperature: float = 0.07) -> float:
    """Top-1 accuracy (percent) of a weighted cosine kNN: each validation
    vector's ``k`` most similar training vectors (and every one tied with
    the k-th) vote for their labels with weight ``exp(cos / temperature)``
    (Wu et al.'s weighted kNN); ties between classes go to the lower label.
    Deterministic.  Identical features (all tied) predict the majority
    class of the training labels."""
    a = F.normalize(train_feats.float().flatten(1), dim=1)
    b = F.normalize(val_feats.float().flatten(1), dim=1)
    sim = b @ a.t()
    kth = sim.topk(min(k, len(a)), dim=1).values[:, -1:]
    weight = torch.where(sim >= kth - 1e-6, (sim / temperature).exp(),
                         torch.zeros_like(sim))
    num_classes = int(max(train_labels.max(), val_labels.max())) + 1
    votes = weight @ F.one_hot(train_labels.long(), num_classes).float()
    pred = votes.argmax(dim=1)
    return 100 * (pred == val_labels.long()).float().mean().item()


def crop_vectors(hook, model, crops: torch.Tensor) -> torch.Tensor:
    """Global-average-pooled C5 of the transferred encoder (the probe's
    feature source) for uint8 crops."""
    from mmdense.evaluation.dense_probe import frozen_eval
    hook.level = 'enc'
    level, source = hook.resolve(model)
    with frozen_eval(model):
        return hook.extract_features(model, crops, source,
                                     level).mean(dim=(2, 3))


def crop_scores(hook, model, crops: dict, k: int) -> Dict[str, float]:
    from mmdense.evaluation.dense_probe import linear_probe_scores
    (train, train_y), (val, val_y) = crops['train'], crops['val']
    train_v = crop_vectors(hook, model, train)
    val_v = crop_vectors(hook, model, val)
    linear = linear_probe_scores(train_v[..., None, None], train_y[:, None,
                                                                   None],
                                 val_v[..., None, None], val_y[:, None, None],
                                 NUM_OBJECT_CLASSES)
    return dict(
        crop_knn_top1=knn_accuracy(train_v, train_y, val_v, val_y, k),
        crop_linear_top1=linear['aAcc'])


# ----------------------------------------------------------------- probes
def probe_hook(data_root: str, max_samples: int):
    """The probe of the synthetic benchmarks (:data:`PROBE_CONFIG`: its VOC
    ``train`` / ``val`` datasets, image size, classes and SGD steps) on the
    VOC2012 copy under ``data_root``."""
    from mmdense.engine.hooks import DenseProbeHook
    probe = load_config(PROBE_CONFIG).probe.to_dict()
    probe.pop('level')
    voc = osp.join(data_root, 'VOCdevkit/VOC2012')
    for split in ('dataset', 'val_dataset'):
        probe[split]['data_root'] = voc
    return DenseProbeHook(**dict(probe, max_samples=max_samples))


def probe_scores(hook, model) -> Dict[str, float]:
    """Probe mIoU of C5 and of every DeCon decoder level."""
    levels = ['enc'] + [
        lv
        for lv in getattr(model, 'level_heads', dict)() if lv.startswith('dec')
    ]
    out = {}
    for level in levels:
        hook.level = level
        key = 'c5' if level == 'enc' else level
        out[f'probe_miou_{key}'] = hook.probe(model)['mIoU']
    return out


# ---------------------------------------------------------- pretext tasks
def pretext_task(model) -> Optional[str]:
    """``'acc'``: the head's loss dict has it (context prediction, patch
    pairs); ``'info_nce'``: CPC v2; None: no accuracy to report."""
    from mmdense.models.algorithms.context_prediction import ContextPrediction
    from mmdense.models.algorithms.cpc import CPCv2
    if isinstance(model, ContextPrediction):
        return 'acc'
    if isinstance(model, CPCv2):
        return 'info_nce'
    return None


@contextlib.contextmanager
def info_nce_accuracy(records: list):
    """While active, every InfoNCE that :class:`CPCHead` computes also
    appends (top-1 accuracy, chance, predictions) of its own logits and
    labels to ``records``."""
    from mmdense.models.heads import cpc_head
    original = cpc_head.cpc_info_nce

    def recording(preds, targets, labels):
        logits = preds.float() @ targets.float().t()
        acc = (logits.argmax(dim=1) == labels).float().mean().item()
        records.append((acc, 1 / len(targets), len(labels)))
        return original(preds, targets, labels)

    cpc_head.cpc_info_nce = recording
    try:
        yield records
    finally:
        cpc_head.cpc_info_nce = original


def held_out_dataset(cfg, data_root: str):
    """The method's training dataset and pipeline on COCO val2017."""
    from mmengine.registry import DATASETS
    dataset = cfg.train_dataloader.dataset.to_dict()
    dataset.update(
        data_root=osp.join(data_root, 'coco', ''),
        ann_file='',
        sources=[
            dict(
                ann_file='annotations/instances_val2017.json',
                img_path='val2017/')
        ])
    return DATASETS.build(dataset)


def pretext_scores(model, cfg, data_root: str, seed: int,
                   rounds: int) -> Dict[str, float]:
    """The pretext's accuracy (percent) on held-out images, with its chance
    level; empty for a model without one (:func:`pretext_task`)."""
    from mmengine.registry import FUNCTIONS

    from mmdense.datasets.resumable import SeededDataset, SeededIndex
    from mmdense.evaluation.dense_probe import frozen_eval
    from mmdense.utils.rng import preserve_rng, sample_seed, seeded_cpu_rng
    task = pretext_task(model)
    if task is None:
        return {}
    dataset = SeededDataset(held_out_dataset(cfg, data_root))
    collate = FUNCTIONS.get(
        cfg.train_dataloader.get('collate_fn',
                                 dict(type='pseudo_collate'))['type'])
    batch = cfg.train_dataloader.batch_size
    if len(dataset) < batch:
        raise ValueError(f'{len(dataset)} val2017 images, fewer than one '
                         f'batch ({batch}): raise --num-val')
    accs, nce = [], []
    with preserve_rng(), frozen_eval(model), info_nce_accuracy(nce):
        for r in range(rounds):
            for start in range(0, len(dataset) - batch + 1, batch):
                data = collate([
                    dataset[SeededIndex(i, sample_seed(seed, r, i))]
                    for i in range(start, start + batch)
                ])
                # the model's own draws (e.g. the other-image patches of
                # the adjacent task) from a seed of the batch
                with seeded_cpu_rng(sample_seed(seed, r, start, 1)):
                    losses = model(
                        **model.data_preprocessor(data, False), mode='loss')
                if task == 'acc':
                    accs.append(float(losses['acc']))
    if task == 'acc':
        name = f'{model.head.num_classes}-way'
        chance = 1 / model.head.num_classes
        samples = len(accs) * batch
    else:
        name = 'InfoNCE top-1'
        accs = [a for a, _, _ in nce]
        chance = float(np.mean([c for _, c, _ in nce]))
        samples = sum(n for _, _, n in nce)
    return dict(
        pretext_acc=100 * float(np.mean(accs)),
        pretext_chance=100 * chance,
        pretext_task=name,
        pretext_samples=samples)


# -------------------------------------------------------------- evaluation
def evaluate(model, cfg, hook, crops, args) -> dict:
    scores = probe_scores(hook, model)
    scores.update(crop_scores(hook, model, crops, args.knn_k))
    if cfg is not None:
        scores.update(
            pretext_scores(model, cfg, args.data_root, args.seed,
                           args.pretext_rounds))
    return scores


def benchmark_rows(args, records: Dict[str, dict],
                   positive: Optional[str]) -> List[dict]:
    hook = probe_hook(args.data_root, max(args.num_train, args.num_val))
    crops = {
        split: object_crops(split, num, args.crop_size)
        for split, num in (('train', args.num_train), ('val', args.num_val))
    }
    base_cfg = load_config(BASELINE_CONFIG)
    rows = []

    def add(name, model, cfg, record, **extra):
        print(f'[benchmark] evaluating {name}', flush=True)
        start = time.perf_counter()
        row = dict(name=name, **extra)
        row.update(evaluate(model, cfg, hook, crops, args))
        row['pretrain_wall_s'] = (record or {}).get('wall_time_s')
        row['eval_s'] = time.perf_counter() - start
        rows.append(row)

    add(RANDOM,
        build_model(base_cfg, seed=args.seed),
        None,
        None,
        config=BASELINE_CONFIG,
        checkpoint=None)
    if positive is not None:
        model = build_model(base_cfg, seed=args.seed)
        load_positive_control(model, positive, args.trust)
        add(POSITIVE,
            model,
            None,
            records.get('supervised'),
            config=(records.get('supervised') or {}).get('config'),
            checkpoint=positive)
    for name in args.methods:
        record = records[name]
        cfg = load_config(METHODS[name])
        add(name,
            build_model(cfg, record['checkpoint']),
            cfg,
            record,
            config=METHODS[name],
            checkpoint=record['checkpoint'])
    return rows


# ------------------------------------------------------------------ output
def _fmt(value, digits=1) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def markdown_table(rows: List[dict]) -> str:
    head = [
        'row', 'probe mIoU C5', 'probe mIoU decoder', 'crop kNN top-1',
        'crop linear top-1', 'pretext held-out acc (chance)',
        'pre-training wall time (s)'
    ]
    lines = ['| ' + ' | '.join(head) + ' |', '|---' * len(head) + '|']
    for r in rows:
        pretext = '-'
        if r.get('pretext_acc') is not None:
            pretext = (f"{r['pretext_acc']:.1f} ({r['pretext_chance']:.1f}; "
                       f"{r['pretext_task']})")
        cells = [
            r['name'],
            _fmt(r.get('probe_miou_c5')),
            _fmt(r.get('probe_miou_dec0')),
            _fmt(r.get('crop_knn_top1')),
            _fmt(r.get('crop_linear_top1')), pretext,
            _fmt(r.get('pretrain_wall_s'), 0)
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def machine() -> str:
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else \
        'no GPU'
    cpu = f' ({platform.processor()})' if platform.processor() else ''
    return (f'{os.cpu_count()} CPU cores{cpu}, {gpu}, torch '
            f'{torch.__version__}, {torch.get_num_threads()} torch threads, '
            'OMP_NUM_THREADS='
            f'{os.environ.get("OMP_NUM_THREADS", "unset")}')


def write_results(rows: List[dict], meta: dict, work_dir: str) -> dict:
    paths = {
        ext: osp.join(work_dir, f'results.{ext}')
        for ext in ('md', 'csv', 'json', 'png')
    }
    table = markdown_table(rows)
    with open(paths['md'], 'w') as f:
        f.write(
            '# Every pre-training method at CPU scale\n\n'
            f"- command: `{meta['command']}`\n"
            f"- budget: {meta['iters']} pre-training iterations per method "
            f"(seed {meta['seed']})\n"
            f"- machine: {meta['machine']}\n"
            f"- date: {meta['date']}\n"
            f"- data: {meta['data']}\n"
            f"- positive control: {meta['positive_control'] or 'none'}\n\n"
            'Percent. probe: frozen linear probe of C5 (DeCon: also its '
            'decoder level dec0) on the synthetic VOC2012 segmentation, '
            f'train -> val, {NUM_SEG_CLASSES} classes; crop: objects of '
            'COCO train2017 -> val2017 scenes, 5 classes (chance 20%); '
            'pretext: the method\'s own task on COCO val2017 (chance in '
            'brackets). Wall time: the pre-training subprocess.\n\n')
        f.write(table)
    fields = ['name', 'config', 'checkpoint'] + [k for k, _ in METRICS] + [
        'pretext_chance', 'pretext_task', 'pretext_samples', 'pretrain_wall_s',
        'eval_s'
    ]
    with open(paths['csv'], 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction='ignore')
        writer.writeheader()
        for r in rows:
            writer.writerow(
                {k: '' if r.get(k) is None else r[k]
                 for k in fields})
    with open(paths['json'], 'w') as f:
        json.dump(dict(meta=meta, rows=rows), f, indent=1)
    bar_chart(rows, paths['png'])
    return paths


def bar_chart(rows: List[dict], path: str) -> None:
    """One bar group per metric, one bar per row (missing values left
    out)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    width = 0.8 / len(rows)
    fig, ax = plt.subplots(figsize=(3 + 2.4 * len(METRICS), 4.5))
    for i, r in enumerate(rows):
        xs = [
            g + (i - (len(rows) - 1) / 2) * width
            for g, (key, _) in enumerate(METRICS) if r.get(key) is not None
        ]
        ys = [r[key] for key, _ in METRICS if r.get(key) is not None]
        ax.bar(xs, ys, width, label=r['name'], color=plt.cm.tab20(i % 20))
    for g, (key, _) in enumerate(METRICS):
        if key.startswith('crop'):
            ax.hlines(
                100 / NUM_OBJECT_CLASSES,
                g - 0.45,
                g + 0.45,
                colors='black',
                linestyles='dashed',
                linewidth=1)
    ax.set_xticks(range(len(METRICS)))
    ax.set_xticklabels([t for _, t in METRICS], fontsize=8)
    ax.set_ylabel('percent (dashed: crop chance)')
    ax.legend(fontsize=7, ncol=2, loc='upper left', bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# -------------------------------------------------------------------- main
def main(argv=None):
    args = parse_args(argv)
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope

    from mmdense.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    # the current logger: warnings only (no init_weights / dataset reports)
    MMLogger.get_instance('benchmark_methods', log_level='WARNING')
    os.makedirs(args.work_dir, exist_ok=True)
    cwd = prepare_data(args)
    records = {
        name: pretrain(name, METHODS[name], args, cwd)
        for name in args.methods
    }
    positive = args.positive_control
    if positive is None and not args.no_positive_control:
        if osp.isfile(osp.join(ROOT, SUPERVISED)):
            records['supervised'] = pretrain('supervised', SUPERVISED, args,
                                             cwd)
            positive = records['supervised']['checkpoint']
        else:
            print(
                f'[benchmark] {SUPERVISED} not found: no positive control',
                flush=True)
    with DefaultScope.overwrite_default_scope('mmdense'):
        rows = benchmark_rows(args, records, positive)
    argv = sys.argv[1:] if argv is None else argv
    meta = dict(
        command='python tools/analysis_tools/benchmark_methods.py ' +
        shlex.join(argv),
        iters=args.iters,
        seed=args.seed,
        machine=machine(),
        date=datetime.datetime.now().astimezone().isoformat(
            timespec='seconds'),
        data=(f'{args.data_root}: {args.num_train} train / {args.num_val} '
              f'val / {args.num_unlabeled} unlabeled images per split'),
        positive_control=positive)
    paths = write_results(rows, meta, args.work_dir)
    print(markdown_table(rows))
    print('[benchmark] results: ' + ', '.join(paths.values()))


if __name__ == '__main__':
    run_cli(main)
