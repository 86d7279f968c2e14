"""Write the synthetic COCO / VOC / Cityscapes / ADE20K datasets.

Example (from the repository root)::

    python tools/dataset_converters/make_synthetic.py --out-dir data/synthetic

See ``docs/synthetic_data.md`` and :mod:`mmdense.datasets.synthetic`.
"""
import argparse

from mmdense.datasets.synthetic import (FORMATS, load_manifest,
                                        make_synthetic_datasets)
from mmdense.utils.cli import add_debug_arg, run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Write deterministic synthetic scenes in the COCO, VOC, '
        'Cityscapes and ADE20K on-disk formats.')
    parser.add_argument('--out-dir', default='data/synthetic')
    parser.add_argument(
        '--formats', nargs='+', default=list(FORMATS), choices=FORMATS)
    parser.add_argument('--num-train', type=int, default=24)
    parser.add_argument('--num-val', type=int, default=8)
    parser.add_argument(
        '--num-unlabeled',
        type=int,
        default=24,
        help='images in coco/unlabeled2017')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=(160, 120),
        metavar=('W', 'H'),
        help='image width and height')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='rebuild roots even when their manifest matches')
    add_debug_arg(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    roots = make_synthetic_datasets(
        args.out_dir,
        formats=args.formats,
        num_train=args.num_train,
        num_val=args.num_val,
        num_unlabeled=args.num_unlabeled,
        image_size=tuple(args.size),
        seed=args.seed,
        overwrite=args.overwrite)
    for fmt, data_root in roots.items():
        counts = load_manifest(args.out_dir, fmt)['counts']
        print(f'{fmt:<10} {data_root}  {counts}')


if __name__ == '__main__':
    run_cli(main)
