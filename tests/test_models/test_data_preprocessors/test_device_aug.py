"""Device-side augmentation (mmdense.models.data_preprocessors.device_aug)
against the CPU pipeline: identical geometry records for the same random
draws, and each
pixel operation, with fixed parameters, within its stated tolerance of the
mmcv / mmpretrain op (on CPU tensors)."""
import mmcv
import numpy as np
import pytest
import torch
from mmcv.transforms import RandomGrayscale
from mmpretrain.datasets.transforms import GaussianBlur

from mmdense.datasets import DeviceViewGeometry
from mmdense.datasets.views import (MultiViewWithGeometry,
                                    RandomResizedCropWithBox)
from mmdense.models.data_preprocessors import device_aug as da


def _smooth_image(h=60, w=80, seed=0):
    """A smooth BGR uint8 image (low-frequency sinusoids, full colour)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = []
    for _ in range(3):
        fx, fy, ph = rng.uniform(0.5, 2.0), rng.uniform(0.5, 2.0), \
            rng.uniform(0, 6.28)
        chans.append(127.5 + 110 * np.sin(2 * np.pi *
                                          (fx * xx / w + fy * yy / h) + ph))
    return np.clip(np.stack(chans, -1), 0, 255).round().astype(np.uint8)


def _t(img):
    return torch.from_numpy(img).permute(2, 0, 1)[None].float()


def _np(x):
    return x[0].permute(1, 2, 0).round().clamp(0, 255).byte().numpy()


def _diff(a, b):
    d = np.abs(a.astype(np.int32) - b.astype(np.int32))
    return d.max(), d.mean()


VIEW = [
    dict(
        type='RandomResizedCropWithBox', scale=32, crop_ratio_range=(0.2, 1.)),
    dict(type='RandomFlip', prob=0.5),
]


@pytest.mark.parametrize('min_overlap', [None, 0.3])
def test_geometry_records_match_cpu_pipeline(min_overlap):
    kw = dict(transforms=[VIEW], num_views=2, min_overlap=min_overlap)
    cpu = MultiViewWithGeometry(**kw)
    dev = DeviceViewGeometry(source_size=96, **kw)
    flips_seen = set()
    for seed, (h, w) in enumerate([(60, 80), (120, 90), (48, 48), (75, 200)]):
        img = _smooth_image(h, w, seed)
        results = []
        for t in (cpu, dev):
            np.random.seed(seed)
            results.append(t(dict(img=img.copy(), ori_shape=(h, w))))
        a, b = results
        for key in ('view_boxes', 'view_flips', 'view_sizes'):
            assert a[key] == b[key], (seed, key)
        flips_seen.update(a['view_flips'])
        # the device transform pads the (rescaled) source into a square
        scale = min(1., 96 / max(h, w))
        assert b['img'].shape == (96, 96, 3) and b['source_scale'] == scale
        if scale == 1:
            np.testing.assert_array_equal(b['img'][:h, :w], img)
            # edge padding
            np.testing.assert_array_equal(b['img'][h:, :w],
                                          np.repeat(img[-1:], 96 - h, 0))
            np.testing.assert_array_equal(b['img'][:h, w:],
                                          np.repeat(img[:, -1:], 96 - w, 1))
    assert flips_seen == {True, False}


def test_crop_resize_and_flip_vs_cpu():
    img = _smooth_image(120, 160)
    box = [20., 10., 100., 90.]  # 80 x 80 -> 32 x 32
    crop = RandomResizedCropWithBox(scale=32, backend='pillow')
    ref = crop(dict(img=img, preset_crop_bbox=box))['img']
    out = _np(da.crop_resize(_t(img), torch.tensor([box]), (32, 32)))
    mx, mean = _diff(out, ref)
    assert mean <= 2.0 and mx <= 12, (mx, mean)
    flipped = da.hflip(_t(ref), torch.tensor([True]))
    np.testing.assert_array_equal(_np(flipped), mmcv.imflip(ref))
    same = da.hflip(_t(ref), torch.tensor([False]))
    np.testing.assert_array_equal(_np(same), ref)


@pytest.mark.parametrize('op,factor,mmcv_fn,tol', [
    ('adjust_brightness', 1.3, mmcv.adjust_brightness, 1),
    ('adjust_brightness', 0.6, mmcv.adjust_brightness, 1),
    ('adjust_contrast', 0.7, mmcv.adjust_contrast, 1),
    ('adjust_contrast', 1.35, mmcv.adjust_contrast, 1),
    ('adjust_saturation', 1.4,
     lambda i, f, backend: mmcv.adjust_color(i, f, backend=backend), 1),
    ('adjust_saturation', 0.65,
     lambda i, f, backend: mmcv.adjust_color(i, f, backend=backend), 1),
])
def test_color_ops_vs_pillow(op, factor, mmcv_fn, tol):
    """mmpretrain's ColorJitter uses mmcv's pillow backend."""
    img = _smooth_image()
    ref = mmcv_fn(img, factor, backend='pillow')
    out = _np(getattr(da, op)(_t(img), torch.tensor([factor])))
    mx, _ = _diff(out, ref)
    assert mx <= tol, (op, factor, mx)


@pytest.mark.parametrize('factor', [0.1, -0.1, 0.05, -0.03, 0.5])
def test_hue_vs_mmcv(factor):
    """mmcv (pillow) shifts the 8-bit hue of 8-bit HSV: not pixel-exact.
    Tolerance: mean absolute difference <= 1 level, max <= 10."""
    from mmdense.datasets.transforms import adjust_hue
    img = _smooth_image()
    ref = adjust_hue(img, factor, backend='pillow')
    out = _np(da.adjust_hue(_t(img), torch.tensor([factor])))
    mx, mean = _diff(out, ref)
    assert mean <= 1.0 and mx <= 10, (factor, mx, mean)
    # and hue 0 is the identity
    same = _np(da.adjust_hue(_t(img), torch.tensor([0.])))
    assert _diff(same, img)[0] <= 1


def test_grayscale_solarize_blur_vs_cpu():
    img = _smooth_image()
    gray = RandomGrayscale(
        prob=1., keep_channels=True, channel_weights=(0.114, 0.587, 0.2989))
    ref = gray(dict(img=img.copy()))['img']
    assert _diff(_np(da.to_grayscale(_t(img))), ref)[0] <= 1
    np.testing.assert_array_equal(
        _np(da.solarize(_t(img))), mmcv.solarize(img, 128))
    # PIL approximates the Gaussian by 3 box blurs: mean <= 1 level; max
    # <= 2 away from the border (6 px), <= 8 at the border
    for sigma in (0.1, 0.5, 1.2, 2.0):
        blur = GaussianBlur(radius=sigma, prob=1.)
        ref = blur(dict(img=img.copy()))['img']
        out = _np(da.gaussian_blur(_t(img), torch.tensor([sigma]), 2.0))
        mx, mean = _diff(out, ref)
        inner = _diff(out[6:-6, 6:-6], ref[6:-6, 6:-6])[0]
        assert mean <= 1.0 and inner <= 2 and mx <= 8, (sigma, mx, mean)
    # sigma 0 is the identity
    same = da.gaussian_blur(_t(img), torch.tensor([0.]), 2.0)
    np.testing.assert_array_equal(_np(same), img)


def test_batched_params_are_per_image():
    """One batched call == per-image calls (no parameter shared across the
    batch), for every op with per-image parameters."""
    imgs = torch.cat([_t(_smooth_image(seed=s)) for s in range(3)])
    for op, f in (('adjust_brightness', [0.7, 1.0, 1.3]), ('adjust_contrast',
                                                           [0.7, 1.0, 1.3]),
                  ('adjust_saturation', [0.7, 1.0,
                                         1.3]), ('adjust_hue', [-0.1, 0.,
                                                                0.1])):
        batched = getattr(da, op)(imgs, torch.tensor(f))
        for i in range(3):
            single = getattr(da, op)(imgs[i:i + 1], torch.tensor(f[i:i + 1]))
            torch.testing.assert_close(batched[i:i + 1], single)
    sig = torch.tensor([0., 0.8, 2.0])
    batched = da.gaussian_blur(imgs, sig, 2.0)
    for i in range(3):
        torch.testing.assert_close(
            batched[i:i + 1], da.gaussian_blur(imgs[i:i + 1], sig[i:i + 1],
                                               2.0))


def test_preprocessor_views_from_records():
    """CPU geometry transform + PackInputs + collate, then the device half:
    with photometric ops off, each view is the recorded box, resized and
    flipped, normalised; the records pass through."""
    from mmengine.dataset import default_collate
    from mmpretrain.datasets.transforms import PackInputs
    geo = DeviceViewGeometry(transforms=[VIEW], num_views=2, source_size=96)
    pack = PackInputs(
        meta_keys=('view_boxes', 'view_flips', 'view_sizes', 'source_scale'))
    np.random.seed(3)
    imgs = [_smooth_image(60, 80, 0), _smooth_image(120, 90, 1)]
    batch = default_collate(
        [pack(geo(dict(img=i, ori_shape=i.shape[:2]))) for i in imgs])
    off = dict(
        color_jitter=None, grayscale_prob=0., blur_prob=0., solarize_prob=0.)
    pre = da.DeviceAugDataPreprocessor(
        views=[off, off], mean=(0, 0, 0), std=(1, 1, 1), to_rgb=False)
    out = pre(batch, True)
    assert len(out['inputs']) == 2 and out['data_samples'] is \
        batch['data_samples']
    for v in range(2):
        assert out['inputs'][v].shape == (2, 3, 32, 32)
        for i, (img, s) in enumerate(zip(imgs, batch['data_samples'])):
            scale = s.source_scale
            box = torch.tensor([s.view_boxes[v]]) * scale
            src = _t(img)
            if scale < 1:
                src = _t(
                    mmcv.imresize(img, (round(
                        img.shape[1] * scale), round(img.shape[0] * scale))))
            ref = da.hflip(
                da.crop_resize(src, box, (32, 32)),
                torch.tensor([s.view_flips[v]]))
            torch.testing.assert_close(out['inputs'][v][i:i + 1],
                                       ref.round().clamp(0, 255))
