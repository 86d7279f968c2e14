"""UnlabeledImageDataset: folders, file lists and COCO json, several sources,
and the errors and skipped files it names."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmdense.datasets import UnlabeledImageDataset

LOAD = [dict(type='LoadImageFromFile')]


def _write_images(folder, names, size=(12, 10)):
    for i, name in enumerate(names):
        path = osp.join(folder, name)
        os.makedirs(osp.dirname(path), exist_ok=True)
        img = np.full((size[1], size[0], 3), 20 * i, np.uint8)
        assert cv2.imwrite(path, img)


def _infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def _paths(ds):
    return [info['img_path'] for info in _infos(ds)]


@pytest.fixture()
def image_folder(tmp_path):
    names = ['b.jpg', 'a.png', 'sub/c.JPG', 'sub/deeper/d.jpeg']
    _write_images(str(tmp_path / 'imgs'), names)
    (tmp_path / 'imgs' / 'notes.txt').write_text('not an image')
    return tmp_path


def test_folder_scan_is_recursive_sorted_and_indexed(image_folder):
    ds = UnlabeledImageDataset(
        data_root=str(image_folder), data_prefix=dict(img_path='imgs'))
    rel = [osp.relpath(p, image_folder / 'imgs') for p in _paths(ds)]
    assert rel == ['a.png', 'b.jpg', 'sub/c.JPG', 'sub/deeper/d.jpeg']
    assert [d['sample_idx'] for d in _infos(ds)] == [0, 1, 2, 3]


def test_file_list_and_coco_json(image_folder):
    (image_folder / 'list.txt').write_text('sub/c.JPG\n\nb.jpg\n')
    ds = UnlabeledImageDataset(
        data_root=str(image_folder),
        ann_file='list.txt',
        data_prefix=dict(img_path='imgs'))
    assert [osp.basename(p) for p in _paths(ds)] == ['c.JPG', 'b.jpg']
    coco = dict(
        images=[dict(id=7, file_name='a.png', width=12, height=10)],
        annotations=[],
        categories=[])
    (image_folder / 'ann.json').write_text(json.dumps(coco))
    ds = UnlabeledImageDataset(
        data_root=str(image_folder),
        ann_file='ann.json',
        data_prefix=dict(img_path='imgs'),
        pipeline=LOAD)
    assert len(ds) == 1 and ds[0]['img'].shape == (10, 12, 3)


def test_several_sources_coco_plus_style(image_folder):
    coco = dict(images=[dict(id=1, file_name='a.png')])
    (image_folder / 'ann.json').write_text(json.dumps(coco))
    ds = UnlabeledImageDataset(
        data_root=str(image_folder),
        sources=[
            dict(ann_file='ann.json', img_path='imgs'),
            dict(img_path='imgs/sub')
        ])
    rel = [osp.relpath(p, image_folder) for p in _paths(ds)]
    assert rel == ['imgs/a.png', 'imgs/sub/c.JPG', 'imgs/sub/deeper/d.jpeg']
    assert [d['sample_idx'] for d in _infos(ds)] == [0, 1, 2]
    with pytest.raises(FileNotFoundError, match='nowhere'):
        UnlabeledImageDataset(
            data_root=str(image_folder), sources=[dict(img_path='nowhere')])


def test_missing_root_names_the_path(tmp_path):
    missing = str(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError, match=missing):
        UnlabeledImageDataset(data_root=missing)


def test_empty_folder_is_an_error(tmp_path):
    os.makedirs(tmp_path / 'empty')
    with pytest.raises(ValueError, match='no images found'):
        UnlabeledImageDataset(
            data_prefix=dict(img_path=str(tmp_path / 'empty')))


def test_bad_json_names_the_file(tmp_path):
    (tmp_path / 'x.json').write_text('{"annotations": []}')
    with pytest.raises(ValueError, match='x.json'):
        UnlabeledImageDataset(
            ann_file=str(tmp_path / 'x.json'),
            data_prefix=dict(img_path=str(tmp_path)))


def _corrupt(image_folder):
    bad = image_folder / 'imgs' / 'b.jpg'
    bad.write_bytes(bad.read_bytes()[:40])  # truncated JPEG header
    return str(bad)


def test_corrupt_jpeg_is_skipped_and_counted(image_folder):
    bad = _corrupt(image_folder)
    ds = UnlabeledImageDataset(
        data_root=str(image_folder),
        data_prefix=dict(img_path='imgs'),
        pipeline=LOAD,
        skip_unreadable=True)
    bad_idx = _paths(ds).index(bad)
    for _ in range(3):
        sample = ds[bad_idx]  # refetches a readable image instead
        assert sample['img_path'] != bad and sample['img'] is not None
    assert ds.num_skipped == 1 and ds.skipped_paths == [bad]
    fetched = [ds[i]['img_path'] for i in range(len(ds))]
    assert bad not in fetched and ds.num_skipped == 1


def test_corrupt_jpeg_without_the_option_raises_with_path(image_folder):
    bad = _corrupt(image_folder)
    ds = UnlabeledImageDataset(
        data_root=str(image_folder),
        data_prefix=dict(img_path='imgs'),
        pipeline=LOAD)
    bad_idx = _paths(ds).index(bad)
    with pytest.raises(Exception, match='b.jpg'):
        ds[bad_idx]
