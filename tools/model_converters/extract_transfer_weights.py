"""Export the weights that transfer from an mmdense pre-training checkpoint.

    python tools/model_converters/extract_transfer_weights.py CKPT OUT.pth \
        [--source student|teacher]

OUT.pth holds only tensors, ``{'state_dict': {...}, 'meta': {...}}`` with the
downstream keys (``backbone.*``; for DeCon also ``neck.*`` (FPN) or
``decode_head.convs.*`` (FCN)), so mmdet / mmseg load it weights-only.
"""
import argparse
import os.path as osp

from mmdense.utils.cli import add_debug_arg, add_trust_arg, run_cli
from mmdense.weights import export_weights


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='pre-training checkpoint')
    parser.add_argument('out', help='output file (.pth)')
    parser.add_argument(
        '--source',
        choices=['student', 'teacher'],
        help="which weights (default: the method's, from the checkpoint)")
    add_trust_arg(parser, 'CKPT')
    add_debug_arg(parser)
    args = parser.parse_args()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint "{args.checkpoint}" not found')
    info = export_weights(
        args.checkpoint, args.out, 'mm', args.source, trust=args.trust)
    print(f"{args.out}: {info['num_tensors']} tensors ({info['source']} "
          f"weights), groups {info['groups']}")


if __name__ == '__main__':
    run_cli(main)
