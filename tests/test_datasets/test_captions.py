"""Captions: the tokenizer, the synthetic captions checked against the
generator's annotations, and the image-caption dataset."""
import json
import os.path as osp
import re

import numpy as np
import pytest

from mmdense.datasets.captions import (CaptionTokenizer, CocoCaptionDataset,
                                       TokenizeCaption)
from mmdense.datasets.synthetic import make_synthetic_datasets
from mmdense.structures import EOT, PAD, SOT, UNK


# ------------------------------------------------------------- tokenizer
def test_tokenizer_known_ids_truncation_and_determinism(tmp_path):
    caps = ['A red car.', 'a red dog', 'Two red cars, a dog']
    tok = CaptionTokenizer.train(caps, vocab_size=9)
    # counts: a 3, red 3, dog 2, '.' 1, ',' 1, car 1, cars 1, two 1
    assert tok.words == ['a', 'red', 'dog', ',', '.']
    assert list(tok.encode('A dog, a CAT',
                           8)) == [SOT, 4, 6, 7, 4, UNK, EOT, PAD]
    cut = tok.encode('a red dog a red dog', 5)
    assert list(cut) == [SOT, 4, 5, 6, EOT]
    tok.save(str(tmp_path / 'a.json'))
    CaptionTokenizer.train(list(reversed(caps)),
                           9).save(str(tmp_path / 'b.json'))
    assert (tmp_path / 'a.json').read_bytes() == \
        (tmp_path / 'b.json').read_bytes()
    assert CaptionTokenizer.load(str(tmp_path / 'a.json')).words == tok.words


# ---------------------------------------------------- synthetic captions
NAMES = ('person', 'car', 'dog', 'bottle', 'chair')
COCO_IDS = {1: 'person', 3: 'car', 18: 'dog', 44: 'bottle', 62: 'chair'}


def _position(bbox, width, height):
    """Independent of the generator: the box center's third of the image."""
    x, y, w, h = bbox
    col = ['left', 'centre', 'right'][min(int(3 * (x + w / 2) / width), 2)]
    row = ['top', 'middle', 'bottom'][min(int(3 * (y + h / 2) / height), 2)]
    return {
        ('middle', 'centre'): 'in the centre'
    }.get((row, col), f'on the {col}' if row == 'middle' else
          f'at the {row}' if col == 'centre' else f'at the {row} {col}')


def _mentions(text):
    words = re.findall('[a-z]+', text)
    return [
        n for w in words for n in NAMES
        if w in (n, n + 's') or (n == 'person' and w == 'people')
    ]


@pytest.mark.parametrize('split', ['train2017', 'val2017'])
def test_synthetic_captions_describe_the_annotated_objects(
        synthetic_root, split):
    ann = osp.join(synthetic_root, 'coco/annotations')
    with open(osp.join(ann, f'instances_{split}.json')) as f:
        inst = json.load(f)
    with open(osp.join(ann, f'captions_{split}.json')) as f:
        caps = json.load(f)
    assert [i['id'] for i in caps['images']] == \
        [i['id'] for i in inst['images']]
    by_image = {}
    for c in caps['annotations']:
        by_image.setdefault(c['image_id'], []).append(c['caption'])
    for image in inst['images']:
        objects = [
            a for a in inst['annotations'] if a['image_id'] == image['id']
        ]
        texts = by_image[image['id']]
        assert len(texts) == 5
        drawn = sorted(COCO_IDS[a['category_id']] for a in objects)
        for text in texts:  # never an object that is not there
            assert set(_mentions(text)) <= set(drawn), (text, drawn)
        if not objects:
            continue
        # caption 0: every object in painting (= annotation) order, with
        # its position from the annotated box
        phrases = re.split(r', | and ', texts[0].rstrip('.'))
        assert len(phrases) == len(objects)
        for phrase, a in zip(phrases, objects):
            name = COCO_IDS[a['category_id']]
            assert re.fullmatch(
                rf'an? [a-z]+ {name} ' +
                _position(a['bbox'], image['width'], image['height']),
                phrase), (phrase, name, a['bbox'])
        # caption 3: the same objects (any order); caption 1: the counts
        assert sorted(_mentions(texts[3])) == drawn
        assert set(_mentions(texts[1])) == set(drawn)


def test_synthetic_captions_are_deterministic(tmp_path, synthetic_root):
    params = dict(
        formats=['coco'], num_train=8, num_val=4, num_unlabeled=0, seed=0)
    make_synthetic_datasets(tmp_path / 'a', **params)
    other = make_synthetic_datasets(tmp_path / 'b', **dict(params, seed=1))
    name = 'annotations/captions_train2017.json'
    same = (tmp_path / 'a/coco' / name).read_bytes()
    assert same == open(osp.join(synthetic_root, 'coco', name), 'rb').read()
    with open(osp.join(other['coco'], name), 'rb') as f:
        assert f.read() != same  # another seed, other captions


def test_caption_dataset_pairs_an_image_with_one_of_its_captions(
        synthetic_root, tmp_path):
    root = osp.join(synthetic_root, 'coco/')
    vocab = str(tmp_path / 'vocab.json')
    pipeline = [
        dict(
            type='TokenizeCaption',
            vocab_file=vocab,
            captions_file=root + 'annotations/captions_train2017.json',
            vocab_size=128,
            context_length=64)
    ]
    ds = CocoCaptionDataset(
        ann_file='annotations/captions_train2017.json',
        data_root=root,
        data_prefix=dict(img_path='train2017/'),
        pipeline=pipeline)
    assert len(ds) == 8 and osp.isfile(vocab)
    tok = CaptionTokenizer.load(vocab)
    info = ds.get_data_info(3)
    assert info['img_path'].endswith('train2017/000000000004.jpg')
    seen = set()
    np.random.seed(0)
    for _ in range(30):
        out = ds[3]
        assert out['caption'] in info['captions']
        assert np.array_equal(out['text'], tok.encode(out['caption'], 64))
        seen.add(out['caption'])
    assert len(seen) >= 3  # a random one of the five, not always the first
    with pytest.raises(ValueError, match='vocab_size'):
        TokenizeCaption(vocab_file=vocab, vocab_size=8)
