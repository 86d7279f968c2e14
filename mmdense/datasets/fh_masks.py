"""Felzenszwalb-Huttenlocher image masks for DetCon: computed once per image
offline (as DetCon's ``generate_fh_masks_for_imagenet.py``), stored as PNG
files in a tree parallel to the images, loaded by :class:`LoadFHMask` and
carried through each view's crop and flip by :class:`ViewMasks`."""
import os
import os.path as osp
from typing import Dict, List, Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmdense.registry import TRANSFORMS

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


def fh_segments(image_rgb: np.ndarray,
                scale: float = 1000,
                min_size: int = 1000,
                sigma: float = 0.8) -> np.ndarray:
    """``skimage.segmentation.felzenszwalb`` of an RGB uint8 image at its own
    size (DetCon's ``compute_fh_segmentation``: scale 1000, min_size 1000,
    skimage's default sigma 0.8): int segment ids 0..n-1.  Stored as uint8
    (``astype('<u1')`` there), ids above 255 wrap; :func:`write_fh_masks`
    counts the images where they do."""
    from skimage.segmentation import felzenszwalb
    return felzenszwalb(image_rgb, scale=scale, sigma=sigma, min_size=min_size)


def mask_path(img_path: str,
              image_folders: Sequence[str],
              mask_folder: str = 'fh_masks') -> str:
    """The mask file of ``img_path``: ``mask_folder`` inserted before the
    last path component named in ``image_folders``, extension ``.png``
    (``data/coco/train2017/x.jpg`` -> ``data/coco/fh_masks/train2017/x.png``,
    ``data/imagenet/train/n01/x.JPEG`` ->
    ``data/imagenet/fh_masks/train/n01/x.png``)."""
    parts = osp.normpath(img_path).split(os.sep)
    hits = [i for i, p in enumerate(parts[:-1]) if p in image_folders]
    if not hits:
        raise ValueError(f'{img_path} is in none of the image folders '
                         f'{list(image_folders)}')
    i = hits[-1]
    stem = osp.splitext(parts[-1])[0] + '.png'
    return os.sep.join(parts[:i] + [mask_folder] + parts[i:-1] + [stem])


def write_fh_masks(data_root: str,
                   image_folders: Sequence[str],
                   mask_folder: str = 'fh_masks',
                   scale: float = 1000,
                   min_size: int = 1000,
                   overwrite: bool = False) -> Dict[str, int]:
    """Write the FH mask of every image below ``data_root/<folder>`` for
    each of ``image_folders`` to :func:`mask_path` (8-bit PNG, lossless).
    Deterministic; existing masks are kept unless ``overwrite``.  Returns
    counts: ``written``, ``kept``, ``wrapped`` (images with more than 256
    segments, whose ids wrapped as in the official uint8 masks)."""
    paths = sorted(
        osp.join(d, f) for folder in image_folders
        for d, _, files in os.walk(osp.join(data_root, folder)) for f in files
        if f.lower().endswith(IMAGE_EXTENSIONS))
    if not paths:
        raise FileNotFoundError(f'no images below {data_root} in '
                                f'{list(image_folders)}')
    counts = dict(written=0, kept=0, wrapped=0)
    for path in paths:
        out = mask_path(path, image_folders, mask_folder)
        if osp.exists(out) and not overwrite:
            counts['kept'] += 1
            continue
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None:
            raise OSError(f'cannot read the image {path}')
        segments = fh_segments(bgr[..., ::-1], scale, min_size)
        counts['wrapped'] += int(segments.max() > 255)
        os.makedirs(osp.dirname(out), exist_ok=True)
        tmp = out[:-len('.png')] + '.tmp.png'
        if not cv2.imwrite(tmp, segments.astype(np.uint8)):
            raise OSError(f'cannot write {out}')
        os.replace(tmp, out)
        counts['written'] += 1
    return counts


def view_mask(mask: np.ndarray, box: Sequence[float], size: Sequence[int],
              flip: bool) -> np.ndarray:
    """The view of ``mask`` cropped to the pixel-edge ``box`` ``[x0, y0, x1,
    y1]``, resized to ``size`` ``(h, w)`` by nearest neighbour with
    half-pixel centers (TF2's ``resize(NEAREST_NEIGHBOR)`` as DetCon's
    ``tf_image_ops.py`` uses it: output pixel i takes crop pixel
    ``floor((i + 0.5) * crop / out)``), then mirrored when ``flip``."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    crop = mask[y0:y1, x0:x1]
    h, w = size
    rows = np.minimum(((np.arange(h) + 0.5) * crop.shape[0] / h).astype(int),
                      crop.shape[0] - 1)
    cols = np.minimum(((np.arange(w) + 0.5) * crop.shape[1] / w).astype(int),
                      crop.shape[1] - 1)
    out = crop[rows][:, cols]
    return np.ascontiguousarray(out[:, ::-1] if flip else out)


@TRANSFORMS.register_module()
class LoadFHMask(BaseTransform):
    """Load the FH mask of ``results['img_path']`` (written by
    ``tools/dataset_converters/make_fh_masks.py``, see :func:`mask_path`) as
    ``results['fh_mask']`` (H, W) uint8.

    Args:
        image_folders (Sequence[str]): the image folders below the data root
            (``('train2017', )``; ImageNet ``('train', )``).
        mask_folder (str): the mask tree's folder beside them. Defaults to
            ``'fh_masks'``.
    """

    def __init__(self,
                 image_folders: Sequence[str],
                 mask_folder: str = 'fh_masks') -> None:
        self.image_folders = tuple(image_folders)
        self.mask_folder = mask_folder

    def transform(self, results: dict) -> dict:
        path = mask_path(results['img_path'], self.image_folders,
                         self.mask_folder)
        mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if mask is None:
            folders = ' '.join(self.image_folders)
            raise FileNotFoundError(
                f'LoadFHMask: no FH mask {path} for {results["img_path"]}: '
                'write the masks once with python tools/dataset_converters/'
                f'make_fh_masks.py DATA_ROOT --folders {folders}')
        shape = results.get('ori_shape', results['img'].shape[:2])
        if mask.shape[:2] != tuple(shape[:2]):
            raise ValueError(f'LoadFHMask: {path} is {mask.shape[:2]}, its '
                             f'image {tuple(shape[:2])}: regenerate it')
        results['fh_mask'] = mask
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(image_folders={self.image_folders}, '
                f'mask_folder={self.mask_folder!r})')


@TRANSFORMS.register_module()
class ViewMasks(BaseTransform):
    """After :class:`MultiViewWithGeometry`: each view's FH mask
    (:func:`view_mask` of ``results['fh_mask']`` with the view's recorded
    box, size and flip), as ``results['view_masks']`` ``(V, h, w)`` uint8;
    pack it with ``PackInputs(meta_keys=(..., 'view_masks'))``."""

    def transform(self, results: dict) -> dict:
        masks: List[np.ndarray] = [
            view_mask(results['fh_mask'], box,
                      size, flip) for box, size, flip in zip(
                          results['view_boxes'], results['view_sizes'],
                          results['view_flips'])
        ]
        results['view_masks'] = np.stack(masks)
        return results
