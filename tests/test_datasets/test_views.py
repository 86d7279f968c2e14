"""Views that record their geometry: the recorded crops, the transforms
allowed before and inside the views, overlap-conditioned cropping, and the
base pipelines that pack the geometry."""
import os.path as osp

import numpy as np
import pytest
from helpers import REPO
from mmcv.transforms import BaseTransform
from mmengine.config import Config
from mmengine.dataset import Compose

from mmdense.registry import TRANSFORMS


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
    """Values of a resized ramp 2*k (k = source pixel index, center k + 0.5)
    along one axis of a view of n pixels cut from the edges [lo, hi):
    sample at the view pixel center, clamped to the crop's pixels."""
    centers = lo + (np.arange(n) + 0.5) * (hi - lo) / n
    return 2 * np.clip(centers - 0.5, lo, hi - 1)


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
