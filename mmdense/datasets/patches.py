"""Patch sampling for the relative-position and predictive pretexts.

Boxes are ``[x0, y0, x1, y1]`` floats in pixel-edge coordinates of the
transform's input image (the convention of :mod:`mmdense.datasets.views`):
the patch of columns 10..25 has ``x0 = 10, x1 = 26``.  The patches become
``results['img']`` as a list, so ``PackInputs`` and mmpretrain's
``SelfSupDataPreprocessor`` treat them as views: the model gets one
(B, 3, p, p) tensor per patch.  ``patch_boxes`` (and ``grid_shape``) go in
the metainfo when listed in ``PackInputs``' ``meta_keys``.
"""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform, Compose

from mmdense.registry import TRANSFORMS
from mmdense.structures import OTHER_IMAGE

#: Doersch et al.'s 8 neighbours of the center cell of a 3x3 grid, as
#: (row, column) offsets in reading order: label k is NEIGHBOURS[k].
NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0),
              (1, 1))


def _cell_pairs(distance: int) -> List[Tuple[Tuple[int, int], ...]]:
    """Ordered pairs of 3x3 grid cells at Chebyshev distance ``distance``."""
    cells = [(r, c) for r in range(3) for c in range(3)]
    return [(a, b) for a in cells for b in cells
            if max(abs(a[0] - b[0]), abs(a[1] - b[1])) == distance]


#: NSP-style ``adjacent`` task: neighbours (8-neighbourhood) and far pairs.
ADJACENT_PAIRS, FAR_PAIRS = _cell_pairs(1), _cell_pairs(2)
#: SOP-style ``order`` task: 4-neighbours in reading order (left -> right,
#: top -> bottom); label 0 swaps them.
ORDERED_PAIRS = [((r, c), (r, c + 1)) for r in range(3) for c in range(2)] + \
    [((r, c), (r + 1, c)) for r in range(2) for c in range(3)]
#: ``gt_label`` of an ``adjacent`` negative whose second patch must come from
#: another image: :class:`ContextPrediction` swaps it in and trains it as 0
#: (a model that does not would fail loudly on the negative label).


def _crop(img: np.ndarray, box: Sequence[float]) -> np.ndarray:
    x0, y0, x1, y1 = (int(v) for v in box)
    return np.ascontiguousarray(img[y0:y1, x0:x1])


class _PerPatch:
    """Applies a pipeline to each patch independently; a patch must keep its
    size (photometric transforms and flips only)."""

    def __init__(self, transforms: Optional[list]) -> None:
        self.pipeline: Optional[Callable] = Compose(
            transforms) if transforms else None

    def __call__(self, patch: np.ndarray) -> np.ndarray:
        if self.pipeline is None:
            return patch
        shape = patch.shape[:2]
        out = self.pipeline(dict(img=patch, img_shape=shape, ori_shape=shape))
        if out['img'].shape[:2] != shape:
            raise ValueError(
                f'patch_transforms changed a patch from {shape} to '
                f"{out['img'].shape[:2]}: use transforms that keep the size")
        return out['img']


@TRANSFORMS.register_module()
class ColorChannelDrop(BaseTransform):
    """Doersch et al.'s guard against chromatic aberration: with probability
    ``prob``, keep one random colour channel and replace the other two with
    Gaussian noise around the image mean whose standard deviation is
    ``noise_ratio`` (1/100) of the kept channel's."""

    def __init__(self, prob: float = 1.0, noise_ratio: float = 0.01) -> None:
        if not 0 <= prob <= 1:
            raise ValueError(f'ColorChannelDrop: prob must be in [0, 1], '
                             f'got {prob}')
        self.prob = prob
        self.noise_ratio = noise_ratio

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim != 3 or np.random.rand() >= self.prob:
            return results
        keep = np.random.randint(img.shape[2])
        kept = img[..., keep].astype(np.float32)
        out = np.empty(img.shape, np.float32)
        for c in range(img.shape[2]):
            out[..., c] = kept if c == keep else kept.mean() + np.random.randn(
                *kept.shape) * self.noise_ratio * kept.std()
        results['img'] = np.clip(out.round(), 0, 255).astype(img.dtype)
        return results


@TRANSFORMS.register_module()
class RelativePatchPair(BaseTransform):
    """Context prediction (Doersch et al., ICCV 2015): a random 3x3 grid of
    ``patch_size`` cells ``gap`` pixels apart in the image, its center patch
    and one of its 8 neighbours, each moved by its own random jitter of up
    to ``jitter`` pixels in x and y.

    Output: ``img`` = [center, neighbour] (each through
    ``patch_transforms`` independently: the chromatic-aberration guard
    such as :class:`ColorChannelDrop` or ``RandomGrayscale``),
    ``gt_label`` = the neighbour's index in :data:`NEIGHBOURS` (0..7),
    ``patch_boxes`` = their two boxes.

    Args:
        patch_size (int): patch side (96 in the paper).
        gap (int): pixels between neighbouring cells (48 in the paper).
        jitter (int): maximal shift per axis of each patch (7).
        task (str): the pretext; ``'position'`` (8-way).  New pair tasks
            add a sampler to :attr:`samplers` (``(h, w) -> (boxes,
            label)``).  Binary tasks
            (``docs/other_pretexts.md``), label 1 = positive:
            ``'adjacent'`` (BERT's next-sentence prediction): grid
            neighbours of one image vs. a negative of ``adjacent_negatives``
            kind; ``'order'`` (ALBERT's sentence-order prediction): two
            4-neighbours in reading order vs. swapped.
        patch_transforms (list, optional): per-patch pipeline.
        negative_prob (float): probability of a negative pair (binary
            tasks; 0.5 as in BERT / ALBERT).
        adjacent_negatives (str): ``'other_image'``: a neighbouring pair
            labelled :data:`OTHER_IMAGE`, whose second patch
            :class:`ContextPrediction` replaces by another sample's;
            ``'far'``: two cells of the same image at Chebyshev distance 2;
            ``'both'``: either, at random.
    """

    def __init__(self,
                 patch_size: int = 96,
                 gap: int = 48,
                 jitter: int = 7,
                 task: str = 'position',
                 patch_transforms: Optional[List[dict]] = None,
                 negative_prob: float = 0.5,
                 adjacent_negatives: str = 'other_image') -> None:
        if patch_size < 1 or gap < 0 or jitter < 0:
            raise ValueError('RelativePatchPair: patch_size must be >= 1, gap '
                             f'and jitter >= 0 (got {patch_size}, {gap}, '
                             f'{jitter})')
        self.patch_size, self.gap, self.jitter = patch_size, gap, jitter
        self.samplers: Dict[str, Callable] = {
            'position': self.sample_position,
            'adjacent': self.sample_adjacent,
            'order': self.sample_order
        }
        if adjacent_negatives not in ('other_image', 'far', 'both'):
            raise ValueError(
                "RelativePatchPair: adjacent_negatives must be 'other_image'"
                f", 'far' or 'both', got {adjacent_negatives!r}")
        self.negative_prob = negative_prob
        self.adjacent_negatives = adjacent_negatives
        if task not in self.samplers:
            raise ValueError(f'RelativePatchPair: task must be one of '
                             f'{sorted(self.samplers)}, got {task!r}')
        self.task = task
        self.per_patch = _PerPatch(patch_transforms)

    @property
    def extent(self) -> int:
        """Side of the region a 3x3 grid with jitter needs."""
        return 3 * self.patch_size + 2 * self.gap + 2 * self.jitter

    def cell_box(self, origin: Tuple[int, int], row: int,
                 col: int) -> List[float]:
        """Box of grid cell (row, col) in 0..2 with a fresh jitter;
        ``origin`` = (x, y) of cell (0, 0) before jitter."""
        step = self.patch_size + self.gap
        dx, dy = np.random.randint(-self.jitter, self.jitter + 1, size=2)
        x0 = origin[0] + col * step + int(dx)
        y0 = origin[1] + row * step + int(dy)
        return [
            float(x0),
            float(y0),
            float(x0 + self.patch_size),
            float(y0 + self.patch_size)
        ]

    def random_origin(self, h: int, w: int) -> Tuple[int, int]:
        """A uniformly random (x, y) of cell (0, 0) with the grid and its
        jitter inside an (h, w) image."""
        if min(h, w) < self.extent:
            raise ValueError(
                f'RelativePatchPair: the image is {h}x{w} but a 3x3 grid of '
                f'patch_size={self.patch_size} with gap={self.gap} and '
                f'jitter={self.jitter} needs {self.extent}x{self.extent}: '
                'resize the images up or reduce patch_size / gap / jitter')
        j = self.jitter
        span = 3 * self.patch_size + 2 * self.gap
        return (np.random.randint(j, w - span - j + 1),
                np.random.randint(j, h - span - j + 1))

    def sample_position(self, h: int, w: int):
        """Center cell and a random neighbour; label = neighbour index."""
        origin = self.random_origin(h, w)
        label = np.random.randint(len(NEIGHBOURS))
        dr, dc = NEIGHBOURS[label]
        return [
            self.cell_box(origin, 1, 1),
            self.cell_box(origin, 1 + dr, 1 + dc)
        ], label

    def sample_adjacent(self, h: int, w: int):
        """NSP-style: label 1 for grid neighbours of one image, 0 for a
        negative (``adjacent_negatives``)."""
        origin = self.random_origin(h, w)
        positive = np.random.rand() >= self.negative_prob
        kind = 'next' if positive else self.adjacent_negatives
        if kind == 'both':
            kind = ('other_image', 'far')[np.random.randint(2)]
        pairs = FAR_PAIRS if kind == 'far' else ADJACENT_PAIRS
        a, b = pairs[np.random.randint(len(pairs))]
        label = OTHER_IMAGE if kind == 'other_image' else int(positive)
        return [self.cell_box(origin, *a), self.cell_box(origin, *b)], label

    def sample_order(self, h: int, w: int):
        """SOP-style: label 1 for 4-neighbours in reading order, 0 for the
        same two swapped."""
        origin = self.random_origin(h, w)
        a, b = ORDERED_PAIRS[np.random.randint(len(ORDERED_PAIRS))]
        in_order = np.random.rand() >= self.negative_prob
        if not in_order:
            a, b = b, a
        return [self.cell_box(origin, *a),
                self.cell_box(origin, *b)], int(in_order)

    def transform(self, results: dict) -> dict:
        img = results['img']
        boxes, label = self.samplers[self.task](*img.shape[:2])
        results['img'] = [self.per_patch(_crop(img, b)) for b in boxes]
        results['patch_boxes'] = boxes
        results['gt_label'] = int(label)
        results['img_shape'] = (self.patch_size, self.patch_size)
        return results


@TRANSFORMS.register_module()
class PatchGrid(BaseTransform):
    """CPC's grid of overlapping patches (Henaff et al., ICML 2020): the
    input (a crop of ``rows`` x ``cols`` patches) cut into ``patch_size``
    patches every ``stride`` pixels, row-major, each through
    ``patch_transforms`` independently (CPC v2's patch-level augmentation).

    CPC v2: a 256 px crop, 64 px patches at stride 32 -> 7 x 7.  The input
    must be exactly ``patch_size + (n - 1) * stride`` on each side.
    Output: ``img`` = the patches, ``patch_boxes``, ``grid_shape`` =
    (rows, cols).
    """

    def __init__(self,
                 patch_size: int = 64,
                 stride: int = 32,
                 patch_transforms: Optional[List[dict]] = None) -> None:
        if patch_size < 1 or stride < 1:
            raise ValueError('PatchGrid: patch_size and stride must be >= 1 '
                             f'(got {patch_size}, {stride})')
        self.patch_size, self.stride = patch_size, stride
        self.per_patch = _PerPatch(patch_transforms)

    def grid_shape(self, h: int, w: int) -> Tuple[int, int]:
        p, s = self.patch_size, self.stride
        if h < p or w < p or (h - p) % s or (w - p) % s:
            raise ValueError(
                f'PatchGrid: a {h}x{w} crop is not patch_size + n * stride '
                f'(patch_size={p}, stride={s}) on both sides: set the crop '
                f'size to {p} + k * {s}, e.g. {p + 6 * s} for a 7x7 grid')
        return (h - p) // s + 1, (w - p) // s + 1

    def transform(self, results: dict) -> dict:
        img = results['img']
        rows, cols = self.grid_shape(*img.shape[:2])
        p, s = self.patch_size, self.stride
        boxes = [[
            float(c * s),
            float(r * s),
            float(c * s + p),
            float(r * s + p)
        ] for r in range(rows) for c in range(cols)]
        results['img'] = [self.per_patch(_crop(img, b)) for b in boxes]
        results['patch_boxes'] = boxes
        results['grid_shape'] = (rows, cols)
        results['img_shape'] = (p, p)
        return results
