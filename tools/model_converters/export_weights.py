"""Export the transfer weights of an mmdense pre-training checkpoint.

    python tools/model_converters/export_weights.py CKPT OUT
        [--format {mm,detectron2,torchvision}] [--source {student,teacher}]
        [--no-decoder] [--partial-decoder]

Formats:
  mm           OUT.pth: {'state_dict': {backbone.*, neck.* or
               decode_head.convs.*}, 'meta': {...}}, plain tensors
               (mmdet / mmseg load it weights-only)
  detectron2   OUT.pkl: {'model': {name: numpy array}, '__author__':
               'mmdense', 'matching_heuristics': True}; detectron2 ResNet
               names (stem.conv1, res2-res5, shortcut, .norm) and, for a
               DeCon FPN, fpn_lateral2-5 / fpn_output2-5
  torchvision  OUT.pth: torchvision resnetN().state_dict() without fc.*
               (the backbone only)

Every backbone key must be converted and the result must be exactly the
target's keys with the reference shapes; otherwise nothing is written and
the error lists the unmapped source keys / missing target keys.  CKPT may
also be the output of import_official.py (official DenseCL / MoCo / SlotCon
/ DeCon weights).
"""
import argparse
import os.path as osp
import sys

from mmdense.utils.cli import add_debug_arg, add_trust_arg, run_cli
from mmdense.weights import FORMATS, ConversionError, export_weights


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.split('\n')[1:]))
    parser.add_argument(
        'checkpoint',
        help='mmdense pre-training checkpoint '
        '(or import_official.py output)')
    parser.add_argument('out', help='output file')
    parser.add_argument(
        '--format',
        default='mm',
        choices=FORMATS,
        help='target format (default: mm)')
    parser.add_argument(
        '--source',
        choices=['student', 'teacher'],
        help="which weights (default: the method's, from the checkpoint)")
    parser.add_argument(
        '--no-decoder', action='store_true', help='export the backbone only')
    parser.add_argument(
        '--partial-decoder',
        action='store_true',
        help='accept a decoder with missing layers (e.g. official DeCon '
        'FPN: only fpn_output2); the backbone is always checked in full')
    add_trust_arg(parser, 'CKPT')
    add_debug_arg(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint "{args.checkpoint}" not found')
    try:
        report = export_weights(
            args.checkpoint,
            args.out,
            args.format,
            args.source,
            not args.no_decoder,
            args.partial_decoder,
            trust=args.trust)
    except ConversionError as err:
        print(f'export refused: {err}', file=sys.stderr)
        return 1
    print(f"{args.out}: {args.format} format, {report['num_tensors']} "
          f"tensors ({report['source']} weights), {report['backbone']}, "
          f"groups {report['groups']}")
    if report['dropped']:
        print(f"  dropped (no such buffer in {args.format}): "
              f"{len(report['dropped'])} num_batches_tracked")
    if report['missing_decoder']:
        print(f"  decoder keys missing (random init downstream): "
              f"{report['missing_decoder']}")
    for note in report['notes']:
        print(f'  note: {note}')
    if args.format == 'mm':
        print(how_to_load(args.out, report['groups']))
    return 0


def how_to_load(out: str, groups) -> str:
    """The lines to paste into a fine-tuning config for an ``mm`` export:
    its keys keep their downstream prefixes (``backbone.``, ``neck.``,
    ``decode_head.``), so a stock ``init_cfg`` must name the prefix."""
    lines = [
        'load it downstream:',
        f'  mmdense benchmark configs: --cfg-options pretrained={out}',
        '  a stock mmdet / mmseg config (init_cfg lines to paste):'
    ]
    for group in groups:
        lines.append(f"    model.{group}.init_cfg = dict(type='Pretrained', "
                     f"checkpoint='{out}', prefix='{group}.')")
    lines.append('  (without prefix= no tensor matches and training starts '
                 'from random init with only a warning; --format torchvision '
                 'writes the backbone without prefix, for mmseg\'s '
                 'model.pretrained=)')
    return '\n'.join(lines)


if __name__ == '__main__':
    run_cli(main)
