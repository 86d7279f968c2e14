"""Write DetCon's Felzenszwalb-Huttenlocher masks of a dataset, once.

    python tools/dataset_converters/make_fh_masks.py DATA_ROOT \\
        --folders train2017 [unlabeled2017] [--mask-folder fh_masks] \\
        [--scale 1000] [--min-size 1000] [--overwrite]

Every image below ``DATA_ROOT/<folder>`` gets an 8-bit PNG of its segment
ids at ``DATA_ROOT/<mask-folder>/<folder>/<same path>.png``, computed at the
image's own size with ``skimage.segmentation.felzenszwalb(scale=1000,
sigma=0.8, min_size=1000)``, as DetCon's
``generate_fh_masks_for_imagenet.py`` does (ids above 255 wrap, as its uint8
masks; the summary counts those images).  The result is deterministic;
existing masks are kept unless ``--overwrite``.  ``LoadFHMask`` reads them.
Examples::

    python tools/dataset_converters/make_fh_masks.py data/coco \
        --folders train2017
    python tools/dataset_converters/make_fh_masks.py data/imagenet \
        --folders train
"""
import argparse

from mmdense.utils.cli import add_debug_arg, run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Write DetCon's FH masks beside a dataset's images",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('Examples::')[1])
    parser.add_argument('data_root')
    parser.add_argument('--folders', nargs='+', required=True)
    parser.add_argument('--mask-folder', default='fh_masks')
    parser.add_argument('--scale', type=float, default=1000)
    parser.add_argument('--min-size', type=int, default=1000)
    parser.add_argument('--overwrite', action='store_true')
    add_debug_arg(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmdense.datasets import write_fh_masks
    counts = write_fh_masks(args.data_root, args.folders, args.mask_folder,
                            args.scale, args.min_size, args.overwrite)
    print(f'[fh-masks] {args.data_root}: {counts["written"]} written, '
          f'{counts["kept"]} kept, {counts["wrapped"]} with more than 256 '
          'segments (ids wrapped)')


if __name__ == '__main__':
    run_cli(main)
