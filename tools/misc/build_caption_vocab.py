"""Train the word-level caption tokenizer of CLIP-style pre-training from a
COCO captions file and save it as JSON (nothing is downloaded).

    python tools/misc/build_caption_vocab.py \
        data/coco/annotations/captions_train2017.json \
        data/coco/annotations/clip_vocab_captions_train2017.json \
        [--vocab-size 49408] [--min-count 1]

The same file always gives the same JSON (words ranked by count, ties
alphabetically). ``TokenizeCaption`` also builds it on first use when given
``captions_file``. See ``docs/other_pretexts.md``.
"""
import argparse

from mmdense.datasets.captions import SPECIALS, CaptionTokenizer
from mmdense.utils.cli import add_debug_arg, run_cli


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('captions', help='COCO captions json')
    parser.add_argument('out', help='tokenizer json to write')
    parser.add_argument(
        '--vocab-size',
        type=int,
        default=49408,
        help='ids in all, the special tokens included (the text encoder\'s '
        'vocab_size)')
    parser.add_argument(
        '--min-count', type=int, default=1, help='rarest word kept')
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    tokenizer = CaptionTokenizer.from_caption_file(
        args.captions, vocab_size=args.vocab_size, min_count=args.min_count)
    tokenizer.save(args.out)
    print(f'{args.out}: {len(tokenizer)} ids ({len(SPECIALS)} special, '
          f'{len(tokenizer.words)} words)')


if __name__ == '__main__':
    run_cli(main)
