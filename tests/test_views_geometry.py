"""Views that record their geometry, and the model-side geometry utilities:
known answers computed independently of the code under test."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import REPO
from mmcv.transforms import BaseTransform
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmengine.registry import DefaultScope

from mmdense.registry import DATASETS, MODELS, TRANSFORMS
from mmdense.structures import (align_to_overlap, cell_centers, match_cells,
                                overlap_coords, views_geometry)


@pytest.fixture(autouse=True)
def mmdense_default_scope():
    # other tests of the session leave mmdet's or mmseg's scope as default
    with DefaultScope.overwrite_default_scope('mmdense'):
        yield


def ramp_image(h=90, w=120):
    """uint8 image whose pixel (x, y) is (2x, 2y, 7)."""
    ys, xs = np.mgrid[:h, :w]
    return np.stack([2 * xs, 2 * ys, np.full_like(xs, 7)],
                    axis=-1).astype(np.uint8)


def multi_view(view_pipeline, num_views=2, **kwargs):
    return TRANSFORMS.build(
        dict(
            type='MultiViewWithGeometry',
            num_views=num_views,
            transforms=[view_pipeline],
            **kwargs))


def expected_ramp(lo, hi, n):
    """Values of a resized ramp 2*k (k = source pixel index, centre k + 0.5)
    along one axis of a view of n pixels cut from the edges [lo, hi):
    sample at the view pixel centre, clamped to the crop's pixels."""
    centres = lo + (np.arange(n) + 0.5) * (hi - lo) / n
    return 2 * np.clip(centres - 0.5, lo, hi - 1)


# ----------------------------------------------------------------- transforms
@pytest.mark.parametrize('backend,interpolation,margin,tol',
                         [('cv2', 'bilinear', 0, 1.01),
                          ('pillow', 'bicubic', 3, 1.51)])
def test_views_are_the_recorded_crops(backend, interpolation, margin, tol):
    img = ramp_image()
    transform = multi_view([
        dict(
            type='RandomResizedCropWithBox',
            scale=(24, 32),
            backend=backend,
            interpolation=interpolation),
        dict(type='RandomFlip', prob=0.5)
    ])
    flips_seen = set()
    for seed in range(12):
        np.random.seed(seed)
        out = transform(dict(img=img.copy(), ori_shape=img.shape[:2]))
        assert out['view_sizes'] == [(24, 32), (24, 32)]
        for view, box, flip in zip(out['img'], out['view_boxes'],
                                   out['view_flips']):
            flips_seen.add(flip)
            x0, y0, x1, y1 = box
            assert 0 <= x0 < x1 <= 120 and 0 <= y0 < y1 <= 90
            view = view[:, ::-1] if flip else view  # undo the flip
            ex = expected_ramp(x0, x1, 32)[None, :].repeat(24, 0)
            ey = expected_ramp(y0, y1, 24)[:, None].repeat(32, 1)
            inner = (slice(margin, 24 - margin), slice(margin, 32 - margin))
            np.testing.assert_allclose(
                view[..., 0][inner], ex[inner], atol=tol)
            np.testing.assert_allclose(
                view[..., 1][inner], ey[inner], atol=tol)
    assert flips_seen == {True, False}


def test_crop_samples_like_mmpretrain_random_resized_crop():
    img = np.random.RandomState(0).randint(0, 255, (50, 70, 3), np.uint8)
    ours = TRANSFORMS.build(dict(type='RandomResizedCropWithBox', scale=16))
    theirs = TRANSFORMS.build(
        dict(type='mmpretrain.RandomResizedCrop', scale=16))
    for seed in range(5):
        np.random.seed(seed)
        a = ours(dict(img=img.copy()))
        np.random.seed(seed)
        b = theirs(dict(img=img.copy()))
        np.testing.assert_array_equal(a['img'], b['img'])
        x0, y0, x1, y1 = map(int, a['crop_bbox'])
        resized = TRANSFORMS.build(dict(type='mmpretrain.Resize', scale=16))(
            dict(img=img[y0:y1, x0:x1].copy()))['img']
        np.testing.assert_array_equal(a['img'], resized)


@pytest.mark.parametrize('bad', [
    [
        dict(type='RandomResizedCropWithBox', scale=8),
        dict(type='Resize', scale=8)
    ],
    [dict(type='mmpretrain.RandomResizedCrop', scale=8)],
    [
        dict(type='RandomFlip', prob=0.5),
        dict(type='RandomResizedCropWithBox', scale=8)
    ],
    [
        dict(type='RandomResizedCropWithBox', scale=8),
        dict(type='RandomFlip', prob=0.5, direction='vertical')
    ],
    [
        dict(type='RandomResizedCropWithBox', scale=8),
        dict(type='RandomApply', transforms=[dict(type='Rotate', angle=30.)])
    ],
])
def test_unknown_geometric_transforms_are_refused(bad):
    with pytest.raises(ValueError, match='RandomResizedCropWithBox'):
        multi_view(bad)


def test_geometry_changed_before_the_views_is_refused():
    transform = multi_view([dict(type='RandomResizedCropWithBox', scale=8)])
    img = ramp_image()
    with pytest.raises(ValueError, match='ori_shape'):
        transform(dict(img=img[:50], ori_shape=img.shape[:2]))


class Tint(BaseTransform):
    """A transform the recorder does not know (it moves no pixels)."""

    def transform(self, results):
        results['img'] = results['img'] // 2
        return results


def test_photometric_transforms_known_or_declared():
    crop = dict(type='RandomResizedCropWithBox', scale=8)
    multi_view([
        crop,
        dict(type='Posterize', bits=4),
        dict(type='Brightness', magnitude=0.1)
    ])
    with pytest.raises(ValueError, match=r"transforms=\['Tint'\]"):
        multi_view([crop, Tint()])
    multi_view([crop, Tint()], photometric_transforms=['Tint'])


def overlap_fraction(boxes):
    (a0, b0, a1, b1), (c0, d0, c1, d1) = boxes
    w = min(a1, c1) - max(a0, c0)
    h = min(b1, d1) - max(b0, d0)
    return max(w, 0) * max(h, 0) / ((c1 - c0) * (d1 - d0))


@pytest.mark.parametrize('min_overlap', [None, 0.0, 0.3])
def test_overlap_conditioned_cropping(min_overlap):
    img = np.zeros((100, 100, 3), np.uint8)
    transform = multi_view([
        dict(
            type='RandomResizedCropWithBox',
            scale=8,
            crop_ratio_range=(0.01, 0.05))
    ],
                           min_overlap=min_overlap,
                           max_tries=1000)
    fractions = []
    for seed in range(150):
        np.random.seed(seed)
        boxes = transform(dict(img=img, ori_shape=(100, 100)))['view_boxes']
        fractions.append(overlap_fraction(boxes))
    fractions = np.array(fractions)
    if min_overlap is None:  # small crops: most pairs are disjoint
        assert (fractions == 0).mean() > 0.5
    else:
        assert (fractions > 0).all() and (fractions >= min_overlap).all()
        assert transform.num_overlap_fallbacks == 0


def test_overlap_fallback_is_counted():
    transform = multi_view([
        dict(
            type='RandomResizedCropWithBox',
            scale=8,
            crop_ratio_range=(0.01, 0.02))
    ],
                           min_overlap=0.0,
                           max_tries=1)
    img = np.zeros((100, 100, 3), np.uint8)
    np.random.seed(0)
    disjoint = sum(
        overlap_fraction(
            transform(dict(img=img, ori_shape=(100, 100)))['view_boxes']) == 0
        for _ in range(20))
    assert disjoint > 0 and transform.num_overlap_fallbacks == disjoint


# ------------------------------------------------------- configs, end to end
BASES = [
    'coco_slotcon', 'imagenet_slotcon', 'coco_mocov2_geometry',
    'synthetic_slotcon'
]


@pytest.mark.parametrize('name', BASES)
def test_base_pipelines_pack_geometry(name):
    cfg = Config.fromfile(osp.join(REPO, f'configs/_base_/datasets/{name}.py'))
    pipeline = Compose(cfg.train_pipeline[1:])  # without the file loader
    img = ramp_image(120, 160)
    np.random.seed(0)
    packed = pipeline(dict(img=img, ori_shape=img.shape[:2]))
    sample = packed['data_samples']
    size = (cfg.crop_size, cfg.crop_size)
    assert [tuple(v.shape) for v in packed['inputs']] == [(3, *size)] * 2
    assert sample.view_sizes == [size, size]
    assert len(sample.view_boxes) == 2 and len(sample.view_flips) == 2
    assert sample.ori_shape == (120, 160)


def test_synthetic_slotcon_through_data_preprocessor(run_dir, monkeypatch):
    monkeypatch.chdir(run_dir)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/synthetic_slotcon.py'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = default_collate([dataset[i] for i in range(4)])
    samples = copy.deepcopy(batch['data_samples'])
    out = MODELS.build(cfg.data_preprocessor)(batch, training=True)
    assert [tuple(v.shape) for v in out['inputs']] == [(4, 3, 64, 64)] * 2
    assert out['inputs'][0].dtype == torch.float32
    for before, after in zip(samples, out['data_samples']):
        assert after.metainfo == before.metainfo
    geo = views_geometry(out['data_samples'])
    assert geo['boxes'].shape == (2, 4, 4) and geo['flips'].shape == (2, 4)
    assert geo['sizes'] == [(64, 64), (64, 64)]
    boxes = geo['boxes']  # inside their images
    hw = torch.tensor([s.ori_shape for s in samples], dtype=torch.float32)
    assert (boxes[..., :2] >= 0).all()
    assert (boxes[..., 2:] > boxes[..., :2]).all()
    assert (boxes[..., 2:] <= hw.flip(1)).all()
    # SlotCon's conditioned crops of views 0 and 1 overlap
    assert overlap_coords(boxes[0], boxes[1])[2].all()


def test_views_geometry_names_the_missing_meta_keys():
    from mmpretrain.structures import DataSample
    with pytest.raises(KeyError, match='meta_keys'):
        views_geometry([DataSample()])


# ------------------------------------------------------- model-side geometry
def test_overlap_coords_known_answers():
    a = torch.tensor([[0., 0., 100., 100.], [0., 0., 10., 10.]])
    b = torch.tensor([[50., 20., 150., 120.], [20., 0., 30., 10.]])
    ca, cb, valid = overlap_coords(a, b)
    torch.testing.assert_close(ca[0], torch.tensor([0.5, 0.2, 1., 1.]))
    torch.testing.assert_close(cb[0], torch.tensor([0., 0., 0.5, 0.8]))
    assert valid.tolist() == [True, False]
    assert (ca[1] == 0).all() and (cb[1] == 0).all()


def blocky_source(channels=3, blocks=8, block=8, seed=0):
    """A (C, 64, 64) map constant on 8x8 blocks, and its block values."""
    values = torch.randn(
        channels,
        blocks,
        blocks,
        generator=torch.Generator().manual_seed(seed))
    return values.repeat_interleave(block, 1).repeat_interleave(block,
                                                                2), values


def view_of(source, box, factor, flip):
    """Crop ``box`` (source pixels), downsample by an integer factor
    (exact on the blocks), mirror when ``flip``."""
    x0, y0, x1, y1 = box
    view = torch.nn.functional.avg_pool2d(source[None, :, y0:y1, x0:x1],
                                          factor)[0]
    return view.flip(-1) if flip else view


@pytest.mark.parametrize('out_scale', [1, 2])
def test_align_to_overlap_recovers_the_source_overlap(out_scale):
    source, values = blocky_source()
    box_a, box_b = (0, 8, 48, 40), (16, 16, 64, 64)  # overlap (16,16,48,40)
    expected = values[:, 2:5, 2:6]  # its blocks: rows 2..4, columns 2..5
    expected = expected.repeat_interleave(out_scale,
                                          1).repeat_interleave(out_scale, 2)
    flips_a = torch.tensor([False, True, False, True])
    flips_b = torch.tensor([False, False, True, True])
    xa = torch.stack([view_of(source, box_a, 2, f) for f in flips_a])
    xb = torch.stack([view_of(source, box_b, 4, f) for f in flips_b])
    ca, cb, valid = overlap_coords(
        torch.tensor([box_a] * 4, dtype=torch.float32),
        torch.tensor([box_b] * 4, dtype=torch.float32))
    assert valid.all()
    out_size = (3 * out_scale, 4 * out_scale)
    aligned_a = align_to_overlap(xa, ca, flips_a, out_size)
    aligned_b = align_to_overlap(xb, cb, flips_b, out_size)
    for aligned in (aligned_a, aligned_b):
        torch.testing.assert_close(
            aligned, expected.expand(4, -1, -1, -1), atol=1e-5, rtol=0)


def test_align_to_overlap_defaults_to_the_input_size():
    x = torch.randn(2, 5, 7, 9)
    coords = torch.tensor([[0., 0., 1., 1.]] * 2)
    out = align_to_overlap(x, coords, torch.tensor([False, True]))
    assert out.shape == x.shape
    torch.testing.assert_close(out[0], x[0])  # whole view: identity
    torch.testing.assert_close(out[1], x[1].flip(-1))  # un-flipped


def test_cell_centers_known_answers():
    boxes = torch.tensor([[10., 20., 50., 40.]] * 2)
    centres = cell_centers(boxes, torch.tensor([False, True]), (2, 4))
    assert centres.shape == (2, 2, 4, 2)
    assert centres[0, :, :, 0].tolist() == [[15., 25., 35., 45.]] * 2
    assert centres[1, :, :, 0].tolist() == [[45., 35., 25., 15.]] * 2
    assert centres[:, :, :, 1].tolist() == [[[25.] * 4, [35.] * 4]] * 2


def grid_index(rows, cols, width):
    return (np.asarray(rows)[:, None] * width + np.asarray(cols)[None]).ravel()


def test_match_cells_flipped_copy_and_right_half():
    h, w = 3, 4
    box = torch.tensor([[0., 0., 100., 90.]])
    # the same box, flipped: cell (i, j) -> (i, w - 1 - j)
    index, valid = match_cells(box, torch.tensor([False]), (h, w), box,
                               torch.tensor([True]), (h, w))
    assert valid.all()
    assert index[0].tolist() == grid_index(range(h), range(w - 1, -1, -1),
                                           w).tolist()
    # b is the right half of a, with a grid of half the width
    full = torch.tensor([[0., 0., 100., 90.]] * 2)
    right = torch.tensor([[50., 0., 100., 90.]] * 2)
    flips_b = torch.tensor([False, True])
    index, valid = match_cells(full, torch.tensor([False, False]), (h, w),
                               right, flips_b, (h, 2))
    expected_valid = np.tile([False, False, True, True], h)
    assert (valid.numpy() == expected_valid).all()
    assert (index[~valid] == -1).all()
    assert index[0][valid[0]].tolist() == grid_index(range(h), [0, 1],
                                                     2).tolist()
    assert index[1][valid[1]].tolist() == grid_index(range(h), [1, 0],
                                                     2).tolist()
    # and back: every cell of the right half lies in columns 2, 3 of a
    index, valid = match_cells(right, flips_b, (h, 2), full,
                               torch.tensor([False, False]), (h, w))
    assert valid.all()
    assert index[0].tolist() == grid_index(range(h), [2, 3], w).tolist()
    assert index[1].tolist() == grid_index(range(h), [3, 2], w).tolist()
