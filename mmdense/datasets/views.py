"""Multi-view transforms that record each view's geometry.

Conventions (the model side, :mod:`mmdense.structures`, uses the
same ones):

* A crop box is ``[x0, y0, x1, y1]`` (floats) in pixel-edge coordinates of
  the image that enters :class:`MultiViewWithGeometry` (the loaded source
  image, whose size is ``ori_shape``): the crop of columns 10..29 has
  ``x0 = 10, x1 = 30``.
* A view is the box resized to the view size, then mirrored left-right when
  its flip is True.

After ``PackInputs(meta_keys=(..., *GEOMETRY_META_KEYS))`` (the keys are
:data:`mmdense.structures.GEOMETRY_META_KEYS`) every
``DataSample`` carries ``view_boxes`` (V boxes), ``view_flips`` (V bools) and
``view_sizes`` (V ``(h, w)``) in its metainfo; mmpretrain's
``SelfSupDataPreprocessor`` passes them through unchanged.
"""
import copy
import logging
from typing import List, Optional, Sequence

import mmcv
import numpy as np
from mmcv.transforms import RandomFlip
from mmengine.logging import print_log
from mmpretrain.datasets.transforms import MultiView, RandomResizedCrop

from mmdense.registry import TRANSFORMS

# set by MultiViewWithGeometry, consumed by RandomResizedCropWithBox
PRESET_BOX_KEY = 'preset_crop_bbox'

# Transforms that change pixel values but never move them: allowed anywhere
# in a view pipeline of MultiViewWithGeometry.
PHOTOMETRIC_TRANSFORMS = frozenset({
    'AutoContrast', 'Brightness', 'ColorJitter', 'ColorTransform', 'Contrast',
    'Cutout', 'Equalize', 'GaussianBlur', 'Invert', 'Lighting', 'Normalize',
    'Posterize', 'RandomErasing', 'RandomGrayscale', 'Sharpness', 'Solarize',
    'SolarizeAdd', 'NumpyToPIL', 'PILToNumpy', 'ToPIL', 'ToNumpy'
})
# Wrappers whose inner transforms are checked instead (they are iterable).
WRAPPER_TRANSFORMS = frozenset(
    {'Compose', 'RandomApply', 'RandomChoice', 'KeyMapper'})


@TRANSFORMS.register_module()
class RandomResizedCropWithBox(RandomResizedCrop):
    """mmpretrain's ``RandomResizedCrop`` (same arguments, same sampling)
    that records its crop box in ``results['crop_bbox']`` as
    ``[x0, y0, x1, y1]`` floats, pixel-edge coordinates of its input image.

    When ``results['preset_crop_bbox']`` is set (by
    :class:`MultiViewWithGeometry`'s overlap-conditioned sampling), that box
    is cropped instead of a random one.
    """

    def sample_box(self, img: np.ndarray) -> List[float]:
        """A random crop box ``[x0, y0, x1, y1]`` for ``img``."""
        top, left, h, w = self.rand_crop_params(img)
        return [float(left), float(top), float(left + w), float(top + h)]

    def transform(self, results: dict) -> dict:
        box = results.pop(PRESET_BOX_KEY, None)
        if box is None:
            box = self.sample_box(results['img'])
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        img = mmcv.imcrop(results['img'], np.array([x0, y0, x1 - 1, y1 - 1]))
        img = mmcv.imresize(
            img,
            tuple(self.scale[::-1]),
            interpolation=self.interpolation,
            backend=self.backend)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['crop_bbox'] = [float(v) for v in (x0, y0, x1, y1)]
        return results


def _flat_transforms(transforms) -> list:
    """The transforms of a pipeline, wrappers expanded in order."""
    flat = []
    for t in transforms:
        if type(t).__name__ in WRAPPER_TRANSFORMS:
            flat += _flat_transforms(t)
        else:
            flat.append(t)
    return flat


@TRANSFORMS.register_module()
class MultiViewWithGeometry(MultiView):
    """mmpretrain's ``MultiView`` that also records, per view, the crop box
    (source pixels), the horizontal flip and the output size, as
    ``results['view_boxes' | 'view_flips' | 'view_sizes']``.

    Every view pipeline must contain exactly one
    :class:`RandomResizedCropWithBox` at its top level, at most one
    ``RandomFlip(direction='horizontal')`` after it, and otherwise only
    transforms that do not move pixels (:data:`PHOTOMETRIC_TRANSFORMS`, plus
    ``photometric_transforms``; wrappers such as ``RandomApply`` are looked
    into).  Any other transform (a resize, another crop, a rotation, a
    vertical flip) raises a ``ValueError`` at construction, since the record
    would silently be wrong.  Nothing may move pixels before this transform
    either: the input image must still have its ``ori_shape`` and no flip.

    Overlap-conditioned cropping (SlotCon): with ``min_overlap`` set, the
    crop of view 1 is re-drawn (same crop parameters, at most ``max_tries``
    draws) until the area of its intersection with the crop of view 0 is
    positive and at least ``min_overlap`` times view 1's crop area. SlotCon
    uses 0.01 and 10 draws. When no draw succeeds, the last one is kept and
    ``num_overlap_fallbacks`` counts it (per process; a warning is logged at
    1, 10, 100... fallbacks).

    Args:
        transforms (list[list]): view pipelines, as for ``MultiView``.
        num_views (int | list[int]): views per pipeline, as for ``MultiView``.
        min_overlap (float, optional): None (default) draws the crops
            independently; 0.0 asks for any positive overlap.
        max_tries (int): draws of view 1's crop before falling back.
        photometric_transforms (Sequence[str]): names of extra transform
            classes known not to move pixels.
    """

    # yapf: disable
    def __init__(self,
                 transforms: List[list],
                 num_views,
                 min_overlap: Optional[float] = None,
                 max_tries: int = 10,
                 photometric_transforms: Sequence[str] = ()) -> None:
        # yapf: enable
        super().__init__(transforms, num_views)
        if min_overlap is not None:
            assert 0 <= min_overlap <= 1, 'min_overlap must lie in [0, 1]'
            assert len(self.transforms) >= 2, 'overlap needs two views'
        assert max_tries >= 1
        self.min_overlap = min_overlap
        self.max_tries = max_tries
        self.photometric = PHOTOMETRIC_TRANSFORMS | set(photometric_transforms)
        crops = {id(p): self._find_crop(p) for p in self.pipelines}
        self.crops = [crops[id(p)] for p in self.transforms]  # one per view
        self.num_overlap_fallbacks = 0

    def _find_crop(self, pipeline) -> RandomResizedCropWithBox:
        """Check a view pipeline (see the class docstring); its crop."""
        top = list(pipeline)
        crops = [t for t in top if isinstance(t, RandomResizedCropWithBox)]
        if len(crops) != 1:
            raise ValueError(
                f'{type(self).__name__}: each view pipeline needs exactly one '
                f'RandomResizedCropWithBox at its top level, not {len(crops)}.'
            )
        after_crop, flips = False, 0
        for t in _flat_transforms(top):
            name = type(t).__name__
            if t is crops[0]:
                after_crop = True
            elif isinstance(t, RandomFlip) and after_crop and flips == 0 and \
                    t.direction in ('horizontal', ['horizontal']):
                flips += 1
            elif name not in self.photometric:
                raise ValueError(
                    f'{type(self).__name__} cannot record the geometry of a '
                    f'view pipeline with {name}: only one '
                    'RandomResizedCropWithBox, then at most one horizontal '
                    'RandomFlip, may move pixels. If it does not move pixels, '
                    f"name it in photometric_transforms=['{name}'].")
        return crops[0]

    def _sample_boxes(self, img: np.ndarray) -> List[List[float]]:
        boxes = [crop.sample_box(img) for crop in self.crops]
        if self.min_overlap is None:
            return boxes
        for _ in range(self.max_tries - 1):
            if self._overlaps(boxes[0], boxes[1]):
                return boxes
            boxes[1] = self.crops[1].sample_box(img)
        if not self._overlaps(boxes[0], boxes[1]):
            self.num_overlap_fallbacks += 1
            n = self.num_overlap_fallbacks
            if 10**int(np.log10(n)) == n:
                print_log(
                    f'{type(self).__name__}: no crop pair with overlap >= '
                    f'{self.min_overlap} in {self.max_tries} draws; kept a '
                    f'non-overlapping pair ({n} time(s) in this process).',
                    logger='current',
                    level=logging.WARNING)
        return boxes

    def _overlaps(self, box0: List[float], box1: List[float]) -> bool:
        w = min(box0[2], box1[2]) - max(box0[0], box1[0])
        h = min(box0[3], box1[3]) - max(box0[1], box1[1])
        area1 = (box1[2] - box1[0]) * (box1[3] - box1[1])
        return w > 0 and h > 0 and w * h >= self.min_overlap * area1

    def transform(self, results: dict) -> dict:
        img = results['img']
        if tuple(img.shape[:2]) != tuple(results.get('ori_shape',
                                                     img.shape[:2])) or \
                results.get('flip'):
            raise ValueError(
                f'{type(self).__name__}: a transform before it moved the '
                'pixels of the source image (its size differs from ori_shape '
                'or it was flipped); view boxes would not be in source '
                'pixels.')
        boxes = self._sample_boxes(img)
        views = dict(img=[], view_boxes=[], view_flips=[], view_sizes=[])
        for pipeline, crop, box in zip(self.transforms, self.crops, boxes):
            inputs = copy.deepcopy(results)
            inputs[PRESET_BOX_KEY] = box
            out = pipeline(inputs)
            size = tuple(int(s) for s in out['img'].shape[:2])
            if size != tuple(crop.scale):
                raise ValueError(
                    f'{type(self).__name__}: a view came out {size}, not the '
                    f'crop size {tuple(crop.scale)}: a transform resized it.')
            views['img'].append(out['img'])
            views['view_boxes'].append(out['crop_bbox'])
            views['view_flips'].append(bool(out.get('flip', False)))
            views['view_sizes'].append(size)
        results.update(views)
        return results

    def __repr__(self) -> str:
        return (super().__repr__()[:-1] + f', min_overlap={self.min_overlap}, '
                f'max_tries={self.max_tries})')
