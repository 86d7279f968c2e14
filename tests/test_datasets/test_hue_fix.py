"""The patched hue adjustment (mmdense.datasets.transforms) against
torchvision and known hues."""
import mmcv
import numpy as np
import pytest
import torchvision.transforms.functional as TF
from PIL import Image

from mmdense.datasets import transforms as hue_fix


def test_mmcv_2_1_adjust_hue_is_broken_and_patched():
    # the bug itself (pinned mmcv 2.1.0 + numpy 2): negative factors overflow
    img = np.zeros((2, 2, 3), np.uint8)
    with pytest.raises(OverflowError):
        hue_fix._original_adjust_hue(img, -0.1, backend='cv2')
    import mmdense.datasets  # noqa: F401  (importing applies the fix)
    assert mmcv.adjust_hue is hue_fix.adjust_hue
    assert mmcv.image.photometric.adjust_hue is hue_fix.adjust_hue


@pytest.mark.parametrize('factor', [-0.5, -1 / 3, -0.1, 0.0, 0.2, 0.5])
def test_pillow_backend_matches_torchvision(factor):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (17, 23, 3), dtype=np.uint8)
    expected = np.array(TF.adjust_hue(Image.fromarray(rgb), factor))
    out_bgr = hue_fix.adjust_hue(
        rgb[..., ::-1].copy(), factor, backend='pillow')
    np.testing.assert_array_equal(out_bgr[..., ::-1], expected)


def test_cv2_backend_known_hues():
    # pure red (hue 0): -1/3 turn is blue (240 deg), +1/3 turn is green
    red_bgr = np.zeros((4, 4, 3), np.uint8)
    red_bgr[..., 2] = 255
    to_blue = hue_fix.adjust_hue(red_bgr, -1 / 3, backend='cv2')[0, 0]
    to_green = hue_fix.adjust_hue(red_bgr, 1 / 3, backend='cv2')[0, 0]
    assert to_blue[0] == 255 and to_blue[1] < 16 and to_blue[2] < 16
    assert to_green[1] == 255 and to_green[0] < 16 and to_green[2] < 16


def test_mocov2_color_jitter_runs_on_many_images():
    from mmpretrain.datasets.transforms import ColorJitter

    import mmdense.datasets  # noqa: F401
    jitter = ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)
    rng = np.random.default_rng(1)
    np.random.seed(0)
    changed = 0
    for _ in range(40):  # ~half the draws have a negative hue factor
        img = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        out = jitter(dict(img=img.copy()))['img']
        assert out.shape == img.shape and out.dtype == np.uint8
        changed += int(not np.array_equal(out, img))
    assert changed == 40
