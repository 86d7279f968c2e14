"""The synthetic datasets are read correctly by the stock mmdet / mmseg
dataset classes and pycocotools, and are deterministic."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from mmdense.datasets.synthetic import (CLASSES, LABEL_MAPS, MANIFEST,
                                        MIN_AREA, STUFF, coco_categories,
                                        encode_semantic, load_manifest,
                                        make_scene, make_synthetic_datasets,
                                        render_scene)

PARAMS = dict(
    num_train=6, num_val=3, num_unlabeled=2, image_size=(96, 72), seed=3)
W, H = PARAMS['image_size']
NUM_TRAIN, NUM_VAL = PARAMS['num_train'], PARAMS['num_val']


def scene(split, index):
    return make_scene(PARAMS['seed'], split, index, PARAMS['image_size'])


@pytest.fixture(scope='module')
def out_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp('synthetic') / 'missing' / 'parent'
    roots = make_synthetic_datasets(out, **PARAMS)
    assert roots == {
        'coco': str(out / 'coco'),
        'voc': str(out / 'VOCdevkit'),
        'cityscapes': str(out / 'cityscapes'),
        'ade20k': str(out / 'ade/ADEChallengeData2016'),
    }
    return out


def read_rgb(path):
    return cv2.imread(str(path), cv2.IMREAD_COLOR)[..., ::-1]


def assert_jpeg_close(decoded, image):
    assert decoded.shape == image.shape
    assert np.abs(decoded.astype(int) - image).mean() < 4


def mask_bbox(mask):
    ys, xs = np.nonzero(mask)
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


# ---------------------------------------------------------------------------
# Scenes
# ---------------------------------------------------------------------------
def test_scene_is_consistent():
    for index in range(20):
        s = scene('train', index)
        assert s.image.shape == (H, W, 3) and s.image.dtype == np.uint8
        assert s.semantic.shape == (H, W)
        assert len(s.instances) <= 6
        cover = np.zeros((H, W), int)
        for inst in s.instances:
            assert 0 <= inst.label < len(CLASSES)
            assert inst.mask.dtype == bool and inst.area >= MIN_AREA
            assert inst.bbox == mask_bbox(inst.mask)
            assert (s.semantic[inst.mask] == inst.label).all()
            cover += inst.mask
        assert cover.max() == 1  # visible parts are disjoint
        background = s.object_map == 0
        assert (s.semantic[background] >= len(CLASSES)).all()
        assert (s.semantic < len(CLASSES) + len(STUFF)).all()
    s = render_scene(123, (W, H))
    t = render_scene(np.random.default_rng(123), (W, H))
    assert np.array_equal(s.image, t.image)
    assert not np.array_equal(s.image, render_scene(124, (W, H)).image)


def test_scenes_are_lit_from_above_and_objects_cover_a_fifth():
    """GENERATOR_VERSION 4: every object is lit at its top (x1.15) and
    shaded at its bottom (x0.7), whatever its colours and texture, so the
    top third of an object is brighter than its bottom third (except where
    a colour saturates); objects cover about a fifth of the image, not the
    few percent a segmentation benchmark can ignore."""
    brighter, total, cover = 0, 0, []
    for index in range(40):
        s = make_scene(0, 'train', index, (160, 120))
        cover.append((s.semantic < len(CLASSES)).mean())
        luma = s.image.astype(float).mean(2)
        for inst in s.instances:
            ys = np.nonzero(inst.mask.any(1))[0]
            if len(ys) < 12:
                continue
            third = len(ys) // 3
            top = inst.mask.copy()
            top[ys[third]:] = False
            bottom = inst.mask.copy()
            bottom[:ys[-third]] = False
            if top.sum() < 20 or bottom.sum() < 20:
                continue
            total += 1
            brighter += luma[top].mean() > luma[bottom].mean()
    assert total > 60
    assert brighter / total > 0.85
    assert 0.15 < np.mean(cover) < 0.3


def test_occlusion_masks_are_visible_parts():
    """Masks equal the last-painted object per pixel; tiny leftovers are
    dropped but keep their class in the semantic map."""
    seen_split = False
    for index in range(40):
        s = scene('train', index)
        ids = [
            k + 1 for k in range(s.object_map.max())
            if (s.object_map == k + 1).sum() >= MIN_AREA
        ]
        assert len(ids) == len(s.instances)
        for k, inst in zip(ids, s.instances):
            assert np.array_equal(inst.mask, s.object_map == k)
        pieces = [
            cv2.connectedComponents(inst.mask.astype(np.uint8))[0] - 1
            for inst in s.instances
        ]
        seen_split |= max(pieces) > 1
    assert seen_split


def test_label_maps_match_stock_class_lists():
    from mmdet.datasets import CocoDataset, VOCDataset
    from mmseg.datasets import (ADE20KDataset, CityscapesDataset,
                                PascalVOCDataset)
    cats = coco_categories()
    assert len(cats) == 80 and len({c['id'] for c in cats}) == 80
    assert tuple(c['name'] for c in cats) == CocoDataset.METAINFO['classes']
    id2name = {c['id']: c['name'] for c in cats}
    assert cats[-1] == dict(supercategory='indoor', id=90, name='toothbrush')
    coco = LABEL_MAPS['coco']
    assert [id2name[v] for v in coco.values] == list(coco.names)

    voc = PascalVOCDataset.METAINFO['classes']
    city = CityscapesDataset.METAINFO['classes']
    ade = ADE20KDataset.METAINFO['classes']
    for fmt, names in (('voc', voc), ('cityscapes', city)):
        label_map = LABEL_MAPS[fmt]
        assert [names[v] for v in label_map.values] == list(label_map.names)
    ade_map = LABEL_MAPS['ade20k']
    assert [ade[v - 1] for v in ade_map.values] == list(ade_map.names)
    assert set(LABEL_MAPS['voc'].names[:5]) <= set(
        VOCDataset.METAINFO['classes'])


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------
def tree(root):
    return sorted(
        p.relative_to(root) for p in Path(root).rglob('*') if p.is_file())


def test_deterministic(out_dir, tmp_path):
    again = tmp_path / 'again'
    make_synthetic_datasets(again, **PARAMS)
    files = tree(out_dir)
    assert files == tree(again)
    for rel in files:
        a, b = out_dir / rel, again / rel
        if rel.suffix in ('.jpg', '.png'):
            assert np.array_equal(
                np.asarray(Image.open(a)), np.asarray(Image.open(b))), rel
        else:
            assert a.read_bytes() == b.read_bytes(), rel

    other = tmp_path / 'other'
    make_synthetic_datasets(other, formats=['coco'], **{**PARAMS, 'seed': 4})
    ann = 'coco/annotations/instances_train2017.json'
    assert (other / ann).read_bytes() != (out_dir / ann).read_bytes()
    img = 'coco/train2017/000000000001.jpg'
    assert not np.array_equal(read_rgb(other / img), read_rgb(out_dir / img))


def test_idempotent_rebuild_and_safety(tmp_path):
    small = dict(num_train=2, num_val=1, num_unlabeled=0, image_size=(48, 40))
    manifest = tmp_path / 'cityscapes' / MANIFEST
    make_synthetic_datasets(tmp_path, formats=['cityscapes'], **small)
    stamp = manifest.stat().st_mtime_ns
    make_synthetic_datasets(tmp_path, formats=['cityscapes'], **small)
    assert manifest.stat().st_mtime_ns == stamp  # up to date: skipped
    assert (tmp_path / 'cityscapes').stat().st_mode & 0o777 == 0o755

    make_synthetic_datasets(
        tmp_path, formats=['cityscapes'], **{
            **small, 'num_val': 2
        })
    assert load_manifest(tmp_path, 'cityscapes')['counts'] == dict(
        train=2, val=2)
    assert len(list((tmp_path / 'cityscapes/gtFine/val').rglob('*.png'))) == 2
    make_synthetic_datasets(
        tmp_path, formats=['cityscapes'], overwrite=True, **small)
    assert load_manifest(tmp_path, 'cityscapes')['counts']['val'] == 1
    assert len(list((tmp_path / 'cityscapes/gtFine/val').rglob('*.png'))) == 1
    # no temporary folders are left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ['cityscapes']

    # a folder the generator did not write is never replaced
    (tmp_path / 'ade').mkdir()
    (tmp_path / 'ade' / 'precious.txt').write_text('real data')
    with pytest.raises(FileExistsError):
        make_synthetic_datasets(
            tmp_path, formats=['ade20k'], overwrite=True, **small)
    assert (tmp_path / 'ade' / 'precious.txt').exists()
    with pytest.raises(ValueError):
        make_synthetic_datasets(tmp_path, formats=['kitti'])


# ---------------------------------------------------------------------------
# COCO
# ---------------------------------------------------------------------------
@pytest.mark.parametrize('folder, split, first_id, num', [
    ('train2017', 'train', 1, NUM_TRAIN),
    ('val2017', 'val', NUM_TRAIN + 1, NUM_VAL),
])
def test_coco_json_with_pycocotools(out_dir, folder, split, first_id, num):
    from pycocotools.coco import COCO
    coco = COCO(str(out_dir / f'coco/annotations/instances_{folder}.json'))
    assert sorted(coco.getImgIds()) == list(range(first_id, first_id + num))
    kinds = set()
    for image_id in coco.getImgIds():
        info = coco.loadImgs(image_id)[0]
        assert (info['width'], info['height']) == (W, H)
        s = scene(split, image_id - first_id)
        assert_jpeg_close(
            read_rgb(out_dir / 'coco' / folder / info['file_name']), s.image)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=image_id))
        assert len(anns) == len(s.instances)
        for ann, inst in zip(anns, s.instances):
            kinds.add(type(ann['segmentation']).__name__)
            mask = coco.annToMask(ann).astype(bool)
            assert np.array_equal(mask, inst.mask)  # exact, RLE or polygon
            assert ann['area'] == mask.sum()
            x0, y0, x1, y1 = mask_bbox(mask)
            assert ann['bbox'] == [x0, y0, x1 - x0, y1 - y0]
            assert ann['category_id'] == LABEL_MAPS['coco'].values[inst.label]
            assert ann['iscrowd'] == 0
            if isinstance(ann['segmentation'], dict):
                assert isinstance(ann['segmentation']['counts'], str)
    if split == 'train':
        assert kinds == {'list', 'dict'}  # both polygon and RLE paths


def test_coco_unlabeled(out_dir):
    info = json.loads(
        (out_dir /
         'coco/annotations/image_info_unlabeled2017.json').read_text())
    assert 'annotations' not in info and len(info['categories']) == 80
    names = [img['file_name'] for img in info['images']]
    assert names == sorted(
        p.name for p in (out_dir / 'coco/unlabeled2017').iterdir())
    assert len(names) == PARAMS['num_unlabeled']


# ---------------------------------------------------------------------------
# mmdet
# ---------------------------------------------------------------------------
def test_mmdet_coco_dataset(out_dir):
    from mmdet.datasets import CocoDataset
    classes = CocoDataset.METAINFO['classes']
    used = {classes.index(name) for name in CLASSES}
    for folder, split, num in (('train2017', 'train', NUM_TRAIN),
                               ('val2017', 'val', NUM_VAL)):
        dataset = CocoDataset(
            data_root=str(out_dir / 'coco'),
            ann_file=f'annotations/instances_{folder}.json',
            data_prefix=dict(img=f'{folder}/'),
            pipeline=[])
        assert len(dataset) == num
        for index in range(num):
            info = dataset.get_data_info(index)
            assert Path(info['img_path']).is_file()
            s = scene(split, index)
            assert [i['bbox'] for i in info['instances']
                    ] == [list(map(float, inst.bbox)) for inst in s.instances]
            labels = [i['bbox_label'] for i in info['instances']]
            assert set(labels) <= used
            assert labels == [
                classes.index(CLASSES[inst.label]) for inst in s.instances
            ]


@pytest.mark.parametrize('year, image_set, splits', [
    ('VOC2007', 'trainval', [('train', NUM_TRAIN)]),
    ('VOC2007', 'test', [('val', NUM_VAL)]),
    ('VOC2012', 'trainval', [('voc2012_train', NUM_TRAIN),
                             ('voc2012_val', NUM_VAL),
                             ('voc2012_aug', NUM_TRAIN)]),
])
def test_mmdet_voc_dataset(out_dir, year, image_set, splits):
    from mmdet.datasets import VOCDataset
    dataset = VOCDataset(
        data_root=str(out_dir / 'VOCdevkit') + '/',
        ann_file=f'{year}/ImageSets/Main/{image_set}.txt',
        data_prefix=dict(sub_data_root=f'{year}/'),
        pipeline=[])
    scenes = [scene(split, i) for split, num in splits for i in range(num)]
    assert len(dataset) == len(scenes)
    assert dataset.metainfo['dataset_type'] == year
    classes = VOCDataset.METAINFO['classes']
    for index, s in enumerate(scenes):
        info = dataset.get_data_info(index)
        assert (info['width'], info['height']) == (W, H)
        assert_jpeg_close(read_rgb(info['img_path']), s.image)
        # mmdet subtracts 1 from VOC's 1-based inclusive corners
        assert [i['bbox'] for i in info['instances']
                ] == [[x0, y0, x1 - 1, y1 - 1]
                      for x0, y0, x1, y1 in (inst.bbox
                                             for inst in s.instances)]
        assert [i['bbox_label'] for i in info['instances']] == [
            classes.index(CLASSES[inst.label]) for inst in s.instances
        ]
        assert all(i['ignore_flag'] == 0 for i in info['instances'])


# ---------------------------------------------------------------------------
# mmseg
# ---------------------------------------------------------------------------
def load_seg_samples(dataset_type, reduce_zero_label, **kwargs):
    from mmengine.registry import init_default_scope
    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    dataset = DATASETS.build(
        dict(
            type=dataset_type,
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(
                    type='LoadAnnotations',
                    reduce_zero_label=reduce_zero_label)
            ],
            **kwargs))
    return [dataset[i] for i in range(len(dataset))]


def check_seg_samples(samples, scenes, expected_seg, image_exact):
    assert len(samples) == len(scenes)
    for sample, s in zip(samples, scenes):
        gt = sample['gt_seg_map']
        assert gt.dtype == np.uint8
        assert np.array_equal(gt, expected_seg(s)), sample['img_path']
        image = sample['img'][..., ::-1]  # BGR -> RGB
        if image_exact:
            assert np.array_equal(image, s.image)
        else:
            assert_jpeg_close(image, s.image)


def voc_scenes(names):
    """VOC2012 ids 2012_%06d count through train, val, then aug extras."""
    splits = ([('voc2012_train', i) for i in range(NUM_TRAIN)] +
              [('voc2012_val', i)
               for i in range(NUM_VAL)] + [('voc2012_aug', i)
                                           for i in range(NUM_TRAIN)])
    return [scene(*splits[int(name[5:]) - 1]) for name in names]


def image_set(root, name):
    return (root / f'ImageSets/Segmentation/{name}.txt').read_text().split()


@pytest.mark.parametrize('ann_set, seg_dir, void', [
    ('train', 'SegmentationClass', True),
    ('val', 'SegmentationClass', True),
    ('aug', 'SegmentationClassAug', False),
])
def test_mmseg_pascal_voc(out_dir, ann_set, seg_dir, void):
    root = out_dir / 'VOCdevkit/VOC2012'
    names = image_set(root, ann_set)
    expected_len = dict(train=NUM_TRAIN, val=NUM_VAL, aug=2 * NUM_TRAIN)
    assert len(names) == expected_len[ann_set]
    png = Image.open(root / seg_dir / f'{names[0]}.png')
    assert png.mode == ('P' if void else 'L')
    if void:
        from mmseg.datasets import PascalVOCDataset
        palette = np.array(png.getpalette()[:3 * 21]).reshape(21, 3)
        assert palette.tolist() == PascalVOCDataset.METAINFO['palette']
    samples = load_seg_samples(
        'PascalVOCDataset',
        False,
        data_root=str(root),
        data_prefix=dict(img_path='JPEGImages', seg_map_path=seg_dir),
        ann_file=f'ImageSets/Segmentation/{ann_set}.txt')
    check_seg_samples(samples, voc_scenes(names),
                      lambda s: encode_semantic(s, 'voc', void_outlines=void),
                      False)
    if void:  # the void band is really there
        assert any((sample['gt_seg_map'] == 255).any() for sample in samples)


@pytest.mark.parametrize('split, num', [('train', NUM_TRAIN),
                                        ('val', NUM_VAL)])
def test_mmseg_cityscapes(out_dir, split, num):
    samples = load_seg_samples(
        'CityscapesDataset',
        False,
        data_root=str(out_dir / 'cityscapes'),
        data_prefix=dict(
            img_path=f'leftImg8bit/{split}', seg_map_path=f'gtFine/{split}'))
    check_seg_samples(samples, [scene(split, i) for i in range(num)],
                      lambda s: encode_semantic(s, 'cityscapes'), True)
    values = np.unique(np.concatenate([s['gt_seg_map'] for s in samples]))
    assert set(values) <= set(range(19))


@pytest.mark.parametrize('split, folder, num', [
    ('train', 'training', NUM_TRAIN),
    ('val', 'validation', NUM_VAL),
])
def test_mmseg_ade20k(out_dir, split, folder, num):
    samples = load_seg_samples(
        'ADE20KDataset',
        True,
        data_root=str(out_dir / 'ade/ADEChallengeData2016'),
        data_prefix=dict(
            img_path=f'images/{folder}', seg_map_path=f'annotations/{folder}'))

    def expected(s):
        values = encode_semantic(s, 'ade20k').astype(int)
        return np.where(values == 0, 255, values - 1).astype(np.uint8)

    check_seg_samples(samples, [scene(split, i) for i in range(num)], expected,
                      False)
