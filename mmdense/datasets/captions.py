"""Image-caption pairs for CLIP-style pre-training, and a caption tokenizer
trained locally from the captions (nothing is downloaded).

* :class:`CaptionTokenizer`: a word-level vocabulary built from a caption
  file (lower-cased; words, numbers and single punctuation marks, the
  split of CLIP's tokenizer regex; ranked by count, ties alphabetically, so
  the same file always gives the same JSON).  Special ids: 0 ``<pad>``,
  1 ``<unk>``, 2 ``<sot>`` (start of text), 3 ``<eot>`` (end of text).
* :class:`CocoCaptionDataset`: ``captions_train2017.json`` style files;
  one sample per image with all of its captions (COCO: five).
* :class:`TokenizeCaption`: picks ONE of the image's captions at random
  each time the image is loaded and encodes it to ``context_length`` ids
  (``<sot> words... <eot> <pad>...``, truncated like CLIP's).

See ``docs/other_pretexts.md``.
"""
import json
import os.path as osp
import re
from collections import Counter
from typing import Iterable, List, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset

from mmdense.registry import DATASETS, TRANSFORMS
from mmdense.structures import EOT, PAD, SOT, SPECIALS, UNK
from mmdense.utils.checkpoint import atomic_write

# CLIP's split without its BPE: letters, digits, any other non-space char
WORD_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]"


class CaptionTokenizer:
    """Word-level caption tokenizer (see the module docstring).

    Args:
        words (list[str]): the vocabulary after the four special tokens;
            word ``words[i]`` has id ``i + 4``.
    """

    def __init__(self, words: List[str]) -> None:
        self.words = list(words)
        self.ids = {w: i + len(SPECIALS) for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(SPECIALS) + len(self.words)

    @staticmethod
    def split(text: str) -> List[str]:
        return re.findall(WORD_PATTERN, ' '.join(text.lower().split()))

    @classmethod
    def train(cls,
              captions: Iterable[str],
              vocab_size: int = 49408,
              min_count: int = 1) -> 'CaptionTokenizer':
        """The ``vocab_size - 4`` most frequent words seen at least
        ``min_count`` times (ties broken alphabetically)."""
        counts = Counter(w for text in captions for w in cls.split(text))
        ranked = sorted((w for w, n in counts.items() if n >= min_count),
                        key=lambda w: (-counts[w], w))
        return cls(ranked[:max(vocab_size - len(SPECIALS), 0)])

    def encode(self, text: str, context_length: int) -> np.ndarray:
        """``(context_length,)`` int64: ``<sot> ids <eot>`` then ``<pad>``;
        a long caption is cut so that ``<eot>`` is always the last kept."""
        ids = [self.ids.get(w, UNK) for w in self.split(text)]
        ids = [SOT] + ids[:context_length - 2] + [EOT]
        out = np.full(context_length, PAD, np.int64)
        out[:len(ids)] = ids
        return out

    def to_json(self) -> dict:
        return dict(
            type='word',
            specials=list(SPECIALS),
            pattern=WORD_PATTERN,
            lowercase=True,
            words=self.words)

    def save(self, path: str) -> None:
        data = json.dumps(self.to_json(), indent=0).encode()
        atomic_write(path, lambda f: f.write(data))

    @classmethod
    def load(cls, path: str) -> 'CaptionTokenizer':
        with open(path) as f:
            spec = json.load(f)
        if spec.get('type') != 'word' or \
                tuple(spec.get('specials', ())) != SPECIALS:
            raise ValueError(f'{path} is not a CaptionTokenizer vocabulary '
                             '(tools/misc/build_caption_vocab.py writes one)')
        return cls(spec['words'])

    @classmethod
    def from_caption_file(cls, ann_file: str, **kwargs) -> 'CaptionTokenizer':
        """Train on every caption of a COCO captions json."""
        return cls.train((c for caps in read_captions(ann_file).values()
                          for c in caps), **kwargs)


def read_captions(ann_file: str, doc: Optional[dict] = None) -> dict:
    """``{image_id: [captions...]}`` of a COCO captions json, images in
    file order, captions in annotation order (``doc``: the file already
    parsed)."""
    if doc is None:
        with open(ann_file) as f:
            doc = json.load(f)
    if 'images' not in doc or 'annotations' not in doc:
        raise ValueError(f'{ann_file} is not a COCO captions file (needs '
                         '"images" and "annotations" with "caption")')
    out = {img['id']: [] for img in doc['images']}
    for ann in doc['annotations']:
        out[ann['image_id']].append(ann['caption'])
    return out


@DATASETS.register_module()
class CocoCaptionDataset(BaseDataset):
    """COCO captions: one sample per image, ``dict(img_path, captions,
    sample_idx)``; images without a caption are left out.

    Args:
        ann_file (str): e.g. ``'annotations/captions_train2017.json'``.
        data_root (str): e.g. ``'data/coco/'``.
        data_prefix (dict): ``img_path``: the image folder, e.g.
            ``'train2017/'``.
    """

    def load_data_list(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'CocoCaptionDataset: ann_file "{self.ann_file}" not found; '
                'set data_root / ann_file (the synthetic generator '
                'tools/dataset_converters/make_synthetic.py writes '
                'coco/annotations/captions_train2017.json).')
        with open(self.ann_file) as f:
            doc = json.load(f)
        captions = read_captions(self.ann_file, doc)  # checks the format
        names = {img['id']: img['file_name'] for img in doc['images']}
        img_dir = self.data_prefix.get('img_path', '')
        data = []
        for image_id, caps in captions.items():
            if caps:
                data.append(
                    dict(
                        img_path=osp.join(img_dir, names[image_id]),
                        captions=caps,
                        sample_idx=len(data)))
        return data


@TRANSFORMS.register_module()
class TokenizeCaption(BaseTransform):
    """Pick one of ``results['captions']`` at random and encode it to
    ``results['text']`` (``(context_length,)`` int64 ids).

    Args:
        vocab_file (str): the tokenizer JSON (:class:`CaptionTokenizer`).
        captions_file (str, optional): a captions json to train the
            tokenizer from when ``vocab_file`` does not exist yet; it is
            then written to ``vocab_file`` (deterministic, so concurrent
            workers write the same file).  Without it a missing
            ``vocab_file`` is an error.
        vocab_size (int): the text encoder's embedding size; the tokenizer
            must fit in it.
        context_length (int): ids per caption (CLIP: 77).
        min_count (int): least count of a word kept when training.
    """

    def __init__(self,
                 vocab_file: str,
                 vocab_size: int,
                 captions_file: Optional[str] = None,
                 context_length: int = 77,
                 min_count: int = 1) -> None:
        if not osp.isfile(vocab_file):
            if captions_file is None:
                raise FileNotFoundError(
                    f'TokenizeCaption: vocab_file "{vocab_file}" not found; '
                    'build it with tools/misc/build_caption_vocab.py or set '
                    'captions_file to train it from the captions.')
            CaptionTokenizer.from_caption_file(
                captions_file, vocab_size=vocab_size,
                min_count=min_count).save(vocab_file)
        self.tokenizer = CaptionTokenizer.load(vocab_file)
        if len(self.tokenizer) > vocab_size:
            raise ValueError(
                f'TokenizeCaption: {vocab_file} has {len(self.tokenizer)} '
                f'ids but vocab_size is {vocab_size}; raise the model\'s '
                'and the pipeline\'s vocab_size or rebuild the vocabulary '
                'with --vocab-size.')
        self.context_length = context_length

    def transform(self, results: dict) -> dict:
        captions = results['captions']
        text = captions[np.random.randint(len(captions))]
        results['caption'] = text
        results['text'] = self.tokenizer.encode(text, self.context_length)
        return results
