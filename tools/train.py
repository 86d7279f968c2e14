"""Train a model from a config: mmdense pre-training, or an mmdet / mmseg
fine-tuning config (the registry scope is taken from the config's
``default_scope``)."""
import argparse
import sys

from mmdense.engine import NonFiniteLossError, build_runner
from mmdense.utils.cli import (add_common_args, add_trust_arg, load_config,
                               run_cli)
from mmdense.utils.dist import shutdown_dist


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a value, from '
        'the complete checkpoint of the work dir with the highest iteration')
    add_trust_arg(parser, 'the checkpoint given to --resume / load_from')
    parser.add_argument(
        '--amp',
        nargs='?',
        const='auto',
        choices=('auto', 'bf16', 'fp16'),
        help='mixed precision: without a value fp16 with dynamic loss '
        'scaling on GPU, bf16 autocast on CPU; --amp bf16 / --amp fp16 '
        'choose (fp16 on CPU also scales the loss)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the lr by total batch size / auto_scale_lr.base_batch_size'
    )
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate during training')
    add_common_args(parser)
    return parser.parse_args()


def merge_args(cfg, args):
    if args.amp:
        optim = cfg.optim_wrapper
        if optim.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
            print('AMP is already enabled in the config.')
        elif optim.get('type', 'OptimWrapper') != 'OptimWrapper':
            raise ValueError(
                f'--amp: optim_wrapper.type is {optim.type!r}; --amp only '
                'replaces a plain OptimWrapper. Set the mixed-precision '
                'wrapper in the config instead.')
        else:
            optim.type = 'AmpOptimWrapper'
            optim.setdefault('loss_scale', 'dynamic')
        if args.amp != 'auto':
            optim.dtype = dict(bf16='bfloat16', fp16='float16')[args.amp]
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in \
                cfg.auto_scale_lr:
            raise KeyError(
                f'--auto-scale-lr: {args.config} has no '
                '"auto_scale_lr = dict(base_batch_size=...)"; add it.')
        cfg.auto_scale_lr.enable = True
    if args.no_validate:
        for key in ('val_dataloader', 'val_evaluator', 'val_cfg'):
            cfg[key] = None
    return cfg


def main():
    args = parse_args()
    cfg = merge_args(load_config(args), args)
    runner = build_runner(cfg, trust=args.trust)
    try:
        runner.train()
    except NonFiniteLossError as err:  # one line, no traceback
        runner.logger.error(str(err))
        shutdown_dist()
        sys.exit(1)
    shutdown_dist()


if __name__ == '__main__':
    run_cli(main)
