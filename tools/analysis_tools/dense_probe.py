"""Frozen-feature dense linear probe of pre-trained weights.

    python tools/analysis_tools/dense_probe.py CONFIG --work-dir DIR \
        [--cfg-options pretrained=WEIGHTS.pth [load_decoder=True]]

``CONFIG`` is a probe benchmark (``configs/benchmarks/synthetic/probe_*.py``):
a fine-tuning benchmark config (its model, its ``LoadPretrainedHook`` and
``pretrained`` / ``load_decoder`` variables) plus a ``probe`` dict.  The
model is built and initialised as for fine-tuning, the weights load through
the same loud loader (every key or an error), nothing is trained: a 1x1-conv
classifier is fitted on the frozen features of ``probe.dataset`` and scored
on ``probe.val_dataset`` (:class:`mmdense.engine.hooks.DenseProbeHook`).
``probe.level``: ``'backbone'`` (the last stage, C5) or ``'decoder'`` (the
FCN decoder's convs: a DeCon FCN decoder when ``load_decoder=True``).

Writes ``DIR/probe/scalars.json`` (``mIoU``, ``mAcc``, ``aAcc``, percent: the
line ``tools/transfer.py`` tabulates) and ``DIR/probe/probe.log``.  The
probe itself is deterministic (zero-initialised classifier, full-batch SGD);
the run's seed (``randomness.seed``, set per seed by ``tools/transfer.py``)
seeds the model's initialisation, so only random init (and layers the
weights do not cover) vary with it.
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction

from mmdense.utils.cli import add_debug_arg, run_cli

LEVELS = ('backbone', 'decoder')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Frozen-feature dense linear probe of pre-trained weights')
    parser.add_argument('config', help='probe benchmark config')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    add_debug_arg(parser)
    return parser.parse_args(argv)


def build_probe_model(cfg: Config):
    """The config's model after ``init_weights`` and the pre-trained load of
    its ``LoadPretrainedHook`` (none: random init); returns (model, report
    line)."""
    from mmengine.registry import HOOKS, MODELS, init_default_scope
    from mmengine.runner import set_random_seed
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    # the fine-tuning runs' seed: random init (and whatever the weights do
    # not cover, e.g. a decoder) is the one a fine-tuning run would start from
    set_random_seed(cfg.get('randomness', {}).get('seed', 0))
    model = MODELS.build(cfg.model)
    model.init_weights()
    path = cfg.get('pretrained')
    if path is None:
        return model, 'pre-trained weights: none (random init)'
    hooks = [
        h for h in cfg.get('custom_hooks', [])
        if h['type'].split('.')[-1] == 'LoadPretrainedHook'
    ]
    if len(hooks) != 1:
        raise ValueError(f'{cfg.filename}: need exactly one '
                         f'LoadPretrainedHook in custom_hooks, found '
                         f'{len(hooks)}')
    loader = HOOKS.build(hooks[0])
    return model, loader.load(model, path, cfg.get('load_decoder', 'auto'))


def level_features(model, level: str):
    """``f(normalised images) -> {level: features}`` of an mmseg
    encoder-decoder: the backbone's last stage or the decode head's convs."""
    if level not in LEVELS:
        raise ValueError(f'probe.level must be one of {LEVELS}, got '
                         f'{level!r}')
    if level == 'backbone':
        return lambda x: {level: model.backbone(x)[-1]}
    return lambda x: {
        level: model.decode_head._forward_feature(model.backbone(x))
    }


def main(argv=None):
    args = parse_args(argv)
    from mmdense.engine.hooks import DenseProbeHook
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if 'probe' not in cfg:
        raise ValueError(f'{args.config} has no `probe` dict: not a probe '
                         'benchmark (configs/benchmarks/synthetic/probe_*.py)')
    probe = dict(cfg.probe)
    level = probe.pop('level', 'backbone')
    out = osp.join(args.work_dir, 'probe')
    os.makedirs(out, exist_ok=True)
    model, report = build_probe_model(cfg)
    hook = DenseProbeHook(
        level=level, scope=cfg.get('default_scope', 'mmseg'), **probe)
    scores = hook.probe(model, extract=level_features(model, level))
    line = (f'{report}\nprobe ({level}): mIoU {scores["mIoU"]:.2f}  mAcc '
            f'{scores["mAcc"]:.2f}  aAcc {scores["aAcc"]:.2f}  '
            f'({scores["time"]:.1f} s)')
    print(line)
    with open(osp.join(out, 'probe.log'), 'w') as f:
        f.write(line + '\n')
    with open(osp.join(out, 'scalars.json'), 'w') as f:
        json.dump({k: scores[k] for k in ('mIoU', 'mAcc', 'aAcc')}, f)
        f.write('\n')


if __name__ == '__main__':
    run_cli(main)
