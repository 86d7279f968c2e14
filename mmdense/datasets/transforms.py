"""Fixes for data transforms of the pinned stack."""
import cv2
import mmcv
import mmcv.image
import mmcv.image.photometric as photometric
import numpy as np
from PIL import Image

_original_adjust_hue = photometric.adjust_hue


def adjust_hue(img: np.ndarray,
               hue_factor: float,
               backend: str = None) -> np.ndarray:
    """``mmcv.adjust_hue`` without the numpy-2 overflow.

    mmcv 2.1.0 adds ``np.uint8(hue_factor * 255)`` to the hue channel; numpy 2
    raises ``OverflowError`` for the negative values that every negative
    ``hue_factor`` gives.  The intended operation is a cyclic shift of the
    8-bit hue channel by ``int(hue_factor * 255)`` (as torchvision does), i.e.
    the shift taken modulo 256.  Same arguments and result as mmcv otherwise.
    """
    if backend is None:
        backend = mmcv.image.io.imread_backend
    if backend not in ('cv2', 'pillow'):
        raise ValueError(f'backend: {backend} is not supported. '
                         "Supported backends are 'cv2', 'pillow'")
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor:{hue_factor} is not in [-0.5, 0.5].')
    if not (isinstance(img, np.ndarray) and img.ndim in (2, 3)):
        raise TypeError('img should be ndarray with dim=[2 or 3].')
    shift = np.uint8(int(hue_factor * 255) % 256)

    if backend == 'pillow':
        assert img.dtype == np.uint8, 'Pillow backend only support uint8 type'
        h, s, v = Image.fromarray(
            img[..., ::-1], mode='RGB').convert('HSV').split()
        np_h = np.array(h, dtype=np.uint8) + shift  # wraps modulo 256
        pil = Image.merge('HSV', (Image.fromarray(np_h, 'L'), s, v))
        return np.array(pil.convert('RGB'), dtype=img.dtype)[..., ::-1]
    dtype = img.dtype
    h, s, v = cv2.split(
        cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_BGR2HSV_FULL))
    hsv = cv2.merge([h + shift, s, v])
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR_FULL).astype(dtype)


def _is_broken(fn) -> bool:
    try:
        fn(np.zeros((1, 1, 3), np.uint8), -0.1, backend='cv2')
    except OverflowError:
        return True
    return False


def fix_mmcv_adjust_hue() -> bool:
    """Replace ``mmcv.adjust_hue`` by :func:`adjust_hue` where it is broken.

    Idempotent; does nothing once mmcv's own function works (a later mmcv).
    Returns True when the patched function is in place.
    """
    if mmcv.adjust_hue is adjust_hue:
        return True
    if not _is_broken(_original_adjust_hue):
        return False
    for module in (mmcv, mmcv.image, photometric):
        module.adjust_hue = adjust_hue
    return True
