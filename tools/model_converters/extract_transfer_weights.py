"""Export the weights that transfer from an mmdense pre-training checkpoint.

    python tools/model_converters/extract_transfer_weights.py CKPT OUT.pth [--source student|teacher]

OUT.pth holds only tensors, ``{'state_dict': {...}, 'meta': {...}}`` with the
downstream keys (``backbone.*``; for DeCon also ``neck.*`` (FPN) or
``decode_head.convs.*`` (FCN)), so mmdet / mmseg load it weights-only.
"""
import argparse
import os
import os.path as osp

import torch

from mmdense.utils.transfer import (extract_transfer_weights,
                                    load_pretrain_checkpoint)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='pre-training checkpoint')
    parser.add_argument('out', help='output file (.pth)')
    parser.add_argument(
        '--source',
        choices=['student', 'teacher'],
        help="which weights (default: the method's, from the checkpoint)")
    args = parser.parse_args()
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint "{args.checkpoint}" not found')
    ckpt = load_pretrain_checkpoint(args.checkpoint)
    weights = extract_transfer_weights(ckpt, args.source)
    source = args.source or ckpt['meta']['transfer']['source']
    groups = sorted({k.split('.')[0] for k in weights})
    meta = dict(source=source, groups=groups, from_checkpoint=args.checkpoint)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    tmp = args.out + '.tmp'
    torch.save(dict(state_dict=weights, meta=meta), tmp)
    os.replace(tmp, args.out)  # never a half-written file at OUT
    print(f'{args.out}: {len(weights)} tensors ({source} weights), groups '
          f'{groups}')


if __name__ == '__main__':
    main()
