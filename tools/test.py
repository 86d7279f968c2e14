"""Evaluate a checkpoint with a config's test dataloader and evaluator."""
import argparse
import os.path as osp

from mmdense.engine import build_runner
from mmdense.utils.cli import (add_common_args, add_trust_arg, load_config,
                               run_cli)
from mmdense.utils.dist import shutdown_dist


def parse_args():
    parser = argparse.ArgumentParser(description='Test (evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out', help='dump the raw predictions to this pickle file')
    parser.add_argument(
        '--allow-partial',
        action='store_true',
        help='evaluate even if the checkpoint does not match the model key '
        'for key (default: refuse, with the key diff)')
    add_trust_arg(parser, 'CHECKPOINT')
    add_common_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(
            f'checkpoint "{args.checkpoint}" does not exist; pass the '
            'checkpoint of a fine-tuning run to evaluate')
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if cfg.get('test_dataloader') is None:
        raise KeyError(f'{args.config} has no test_dataloader / '
                       'test_evaluator to evaluate with.')
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError(f'--out {args.out}: use a .pkl file name')
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(
            cfg.test_evaluator, (list, tuple)) else [cfg.test_evaluator]
        cfg.test_evaluator.append(
            dict(type='mmengine.DumpResults', out_file_path=args.out))
    runner = build_runner(cfg, trust=args.trust, strict=not args.allow_partial)
    metrics = runner.test()
    print(metrics)
    shutdown_dist()


if __name__ == '__main__':
    run_cli(main)
