"""Import an officially released checkpoint into mmdense's format.

    python tools/model_converters/import_official.py SRC OUT.pth
        [--method {densecl,mocov1,mocov2,slotcon,decon,pixpro}]
        [--source {student,teacher}] [--trust]

Known layouts (autodetected; --method when the keys cannot tell):
  DenseCL  OpenSelfSup 'state_dict': encoder_q.0.* / encoder_k.0.* (+ queue2),
           or the released {'state_dict': <bare ResNet>, 'author': 'DenseCL'}
  MoCo     'state_dict': module.encoder_q.* / module.encoder_k.*
           (torchvision names; the fc / fc.0, fc.2 head is dropped)
  SlotCon  'model': module.encoder_q.* (student) / module.encoder_k.*
           (teacher)
  DeCon    as SlotCon plus module.decoder_q.* / decoder_k.* (detectron2
           FPN names fpn_lateral2-5 / fpn_output2, or FCN convs.0-1), or
           the DenseCL-based backbone.* + decoder.*
  PixPro   'model': module.encoder.* (student, what its convert_pretrain_
           to_d2.py exports) / module.encoder_k.* (teacher)
  bare     torchvision ResNet names (backbone-only releases): --method

OUT holds plain tensors: backbone.* (student), teacher_backbone.*, neck.* /
decode_head.* and teacher_decoder.* (mmdet / mmseg names), and
meta['transfer'] as mmdense pre-training writes it, so export_weights.py and
extract_transfer_weights.py take it.  SRC is loaded weights-only; --trust
unpickles it in full (needed for SlotCon / DeCon full checkpoints, which
store an argparse.Namespace, PixPro's under 'opt'; only for files you
trust).
"""
import argparse
import sys

from mmdense.utils.cli import add_debug_arg, run_cli
from mmdense.weights import METHODS, ConversionError, import_official_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.split('\n')[1:]))
    parser.add_argument('src', help='official checkpoint')
    parser.add_argument('out', help='mmdense-style checkpoint to write')
    parser.add_argument(
        '--method',
        choices=METHODS,
        help='pre-training method (default: autodetect)')
    parser.add_argument(
        '--source',
        choices=['student', 'teacher'],
        help="default weights recorded for export (default: the method's: "
        'DenseCL / MoCo / PixPro student, SlotCon / DeCon teacher)')
    parser.add_argument(
        '--trust',
        action='store_true',
        help='unpickle SRC in full (arbitrary code can run): only for files '
        'from a source you trust; default is weights-only loading')
    add_debug_arg(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        info = import_official_file(args.src, args.out, args.method,
                                    args.source, args.trust)
    except ConversionError as err:
        print(f'import refused: {err}', file=sys.stderr)
        return 1
    transfer = info['transfer']
    offers = {s: sorted(p) for s, p in transfer.items() if s != 'source'}
    print(f"{args.out}: {info['method']} ({info['layout']} layout), "
          f"{info['num_tensors']} tensors; weights {offers}, default "
          f"{transfer['source']}")
    for src, theirs, ours, n in info['mapping']:
        print(f'  {src}: {theirs or "(no prefix)"}* -> {ours}* '
              f'({n} tensors)')
    for note in info['notes']:
        print(f'  note: {note}')
    print('  next: python tools/model_converters/export_weights.py '
          f'{args.out} OUT --format {{mm,detectron2,torchvision}}')
    return 0


if __name__ == '__main__':
    run_cli(main)
