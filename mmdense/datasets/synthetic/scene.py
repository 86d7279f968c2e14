"""The synthetic scenes: constants, scene labels and their values per format,
and the deterministic seeded renderer (see the package docstring)."""
import zlib
from dataclasses import dataclass
from typing import List, Tuple

import cv2
import numpy as np

from .textures import _CLASS_TEXTURES, _STUFF_TEXTURES, _texture

#: Bump when the rendering or a format writer changes: roots are rebuilt.
#: 3: COCO ``captions_{train,val}2017.json`` (:mod:`.captions`).
#: 4: scenes a benchmark can learn from: classes by shape and texture, larger
#: objects, light from above (docs/synthetic_data.md).
GENERATOR_VERSION = 4

CLASSES = ('person', 'car', 'dog', 'bottle', 'chair')  # scene labels 0..4
STUFF = ('ground', 'building', 'sky')  # scene labels 5..7
SHAPES = ('ellipse', 'rectangle', 'star', 'triangle', 'ring')
MIN_AREA = 16  # visible pixels below which an instance is not annotated
NUM_OBJECTS = (2, 5)  # objects per scene: integers(2, 5), i.e. 2 to 4
OBJECT_SIZE = (0.3, 0.65)  # of the shorter image side
IGNORE = 255


@dataclass(frozen=True)
class LabelMap:
    """Names and written values of the scene labels in one format.

    ``names[i]`` / ``values[i]`` belong to scene label ``i`` (objects first,
    then :data:`STUFF` where the format labels background).
    """
    names: Tuple[str, ...]
    values: Tuple[int, ...]

    def encode(self, semantic: np.ndarray) -> np.ndarray:
        """Translate a scene-label map to this format's values."""
        lut = np.full(256, IGNORE, np.uint8)
        lut[:len(self.values)] = self.values
        return lut[semantic]


LABEL_MAPS = dict(
    coco=LabelMap(CLASSES, (1, 3, 18, 44, 62)),
    voc=LabelMap(CLASSES + ('background', ) * 3, (15, 7, 12, 5, 9, 0, 0, 0)),
    cityscapes=LabelMap(('person', 'car', 'bicycle', 'pole', 'traffic sign',
                         'road', 'building', 'sky'),
                        (11, 13, 18, 5, 7, 0, 2, 10)),
    ade20k=LabelMap(('person', 'car', 'animal', 'bottle', 'chair', 'road',
                     'building', 'sky'), (13, 21, 127, 99, 20, 7, 2, 3)),
)


# ---------------------------------------------------------------------------
# Scenes
# ---------------------------------------------------------------------------
@dataclass
class Instance:
    """One annotated object: class index 0..4, visible mask, bbox.

    ``bbox`` is ``(x0, y0, x1, y1)`` in pixel-edge coordinates (the mask's
    last column is ``x1 - 1``), the convention of mmdet and COCO.
    """
    label: int
    mask: np.ndarray  # (H, W) bool
    bbox: Tuple[int, int, int, int]

    @property
    def area(self) -> int:
        return int(self.mask.sum())


@dataclass
class Scene:
    """A rendered scene.

    Attributes:
        image: (H, W, 3) uint8 RGB.
        instances: annotated objects, in painting order.
        semantic: (H, W) uint8 scene labels (0..4 objects, 5..7 stuff).
        object_map: (H, W) int32, ``k + 1`` where the k-th painted object is
            visible (annotated or not), 0 on background.
    """
    image: np.ndarray
    instances: List[Instance]
    semantic: np.ndarray
    object_map: np.ndarray


def scene_rng(seed: int, split: str, index: int, *stream:
              int) -> np.random.Generator:
    """The random generator of image ``index`` of ``split``; a ``stream``
    word gives an independent one for the same image (e.g.
    ``CAPTION_STREAM``: the captions' wording)."""
    return np.random.default_rng(
        [seed, zlib.crc32(split.encode()), index, *stream])


def make_scene(seed: int,
               split: str,
               index: int,
               image_size: Tuple[int, int] = (160, 120)) -> Scene:
    """Image ``index`` of ``split``: a pure function of its arguments."""
    return render_scene(scene_rng(seed, split, index), image_size)


def render_scene(rng, image_size: Tuple[int, int] = (160, 120)) -> Scene:
    """Render one scene of ``image_size = (width, height)``.

    Args:
        rng: a ``np.random.Generator`` or an int seed.
    """
    rng = np.random.default_rng(rng)
    width, height = image_size
    grid = np.mgrid[0:height, 0:width].astype(np.float32)
    layout = _background_layout(rng, width, height)
    image = np.zeros((height, width, 3), np.float32)
    for region in range(len(STUFF)):
        _paint(image, layout == region,
               _texture(rng, grid, _STUFF_TEXTURES[region]))

    object_map = np.zeros((height, width), np.int32)
    labels = []
    for k in range(int(rng.integers(*NUM_OBJECTS))):
        label = int(rng.integers(len(CLASSES)))
        mask = _draw_object(rng, label, width, height)
        _paint(image, mask, _texture(rng, grid, _CLASS_TEXTURES[label]))
        object_map[mask] = k + 1
        labels.append(label)

    image *= _light_from_above(height, width, layout, object_map)
    noise = rng.normal(0, rng.uniform(0, 4), image.shape)
    image = np.clip(image + noise, 0, 255).round().astype(np.uint8)
    object_labels = np.array([0] + labels, np.uint8)
    semantic = np.where(object_map > 0, object_labels[object_map],
                        len(CLASSES) + layout).astype(np.uint8)
    instances = []
    for k, label in enumerate(labels):
        mask = object_map == k + 1
        if mask.sum() >= MIN_AREA:
            instances.append(Instance(label, mask, _mask_bbox(mask)))
    return Scene(image, instances, semantic, object_map)


def _mask_bbox(mask: np.ndarray) -> Tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def _background_layout(rng, width: int, height: int) -> np.ndarray:
    """Stuff index per pixel: 0 ground, 1 building, 2 sky."""
    horizon = int(height * rng.uniform(0.35, 0.65))
    layout = np.full((height, width), 2, np.uint8)
    layout[horizon:] = 0
    for _ in range(int(rng.integers(1, 5))):
        x0 = int(rng.uniform(-0.1, 0.9) * width)
        x1 = x0 + int(rng.uniform(0.1, 0.4) * width)
        top = horizon - int(rng.uniform(0.2, 0.8) * horizon)
        layout[top:horizon, max(x0, 0):max(x1, 0)] = 1
    return layout


def _light_from_above(height: int, width: int, layout: np.ndarray,
                      object_map: np.ndarray) -> np.ndarray:
    """(H, W, 1) brightness of a light above the scene: every object and
    every building block is lit at its top (x1.15) and shaded at its bottom
    (x0.7), the sky darkens towards the horizon and the ground brightens
    towards the viewer.  It gives every region an up and a down that no
    colour or rotation of the scene removes (what relative-position pretexts
    need) and is the same in every scene."""
    rows = np.arange(height, dtype=np.float32)[:, None]
    gain = np.ones((height, width), np.float32)
    regions = [(layout == 2, 1.1, 0.8), (layout == 0, 0.8, 1.1)]
    regions += [(layout == 1, 1.15, 0.7)]
    regions += [(object_map == k, 1.15, 0.7)
                for k in range(1,
                               int(object_map.max()) + 1)]
    for mask, top, bottom in regions:
        ys = np.nonzero(mask.any(1))[0]
        if len(ys) == 0:
            continue
        y0, y1 = ys[0], max(ys[-1], ys[0] + 1)
        ramp = top + (bottom - top) * np.clip((rows - y0) / (y1 - y0), 0, 1)
        gain = np.where(mask, np.broadcast_to(ramp, gain.shape), gain)
    return gain[..., None]


def _paint(image: np.ndarray, mask: np.ndarray, texture: np.ndarray) -> None:
    image[mask] = texture[mask]


def _ellipse(rng, mask, center, size):
    axes = (size / 2, size / 2 * rng.uniform(0.4, 1.0))
    cv2.ellipse(mask, _int(center), _int(axes), rng.uniform(0, 180), 0, 360, 1,
                -1)


def _rectangle(rng, mask, center, size):
    box = (center, (size, size * rng.uniform(0.35, 1.0)), rng.uniform(0, 180))
    cv2.fillPoly(mask, [_int(cv2.boxPoints(box))], 1)


def _star(rng, mask, center, size):
    points = int(rng.integers(5, 9))
    radii = np.tile([size / 2, size / 2 * rng.uniform(0.35, 0.6)], points)
    angles = rng.uniform(0, 2 * np.pi) + np.arange(2 * points) * np.pi / points
    _fill_polar(mask, center, radii, angles)


def _triangle(rng, mask, center, size):
    angles = rng.uniform(0, 2 * np.pi) + np.arange(3) * 2 * np.pi / 3
    _fill_polar(mask, center, np.full(3, size / 2),
                angles + rng.uniform(-0.35, 0.35, 3))


def _ring(rng, mask, center, size):
    _ellipse(rng, mask, center, size)
    hole = np.zeros_like(mask)
    _ellipse(rng, hole, center, size * rng.uniform(0.35, 0.7))
    mask[hole > 0] = 0


_SHAPE_DRAWERS = (_ellipse, _rectangle, _star, _triangle, _ring)


def _draw_object(rng, label: int, width: int, height: int) -> np.ndarray:
    """Boolean mask of one object of class ``label`` (may leave the frame)."""
    center = (rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height)
    size = rng.uniform(*OBJECT_SIZE) * min(width, height)
    mask = np.zeros((height, width), np.uint8)
    _SHAPE_DRAWERS[label](rng, mask, center, size)
    return mask > 0


def _fill_polar(mask, center, radii, angles):
    points = np.stack([
        center[0] + radii * np.cos(angles), center[1] + radii * np.sin(angles)
    ], 1)
    cv2.fillPoly(mask, [_int(points)], 1)


def _int(values):
    return np.round(values).astype(np.int32) if isinstance(
        values, np.ndarray) else tuple(int(round(v)) for v in values)


def encode_semantic(scene: Scene,
                    fmt: str,
                    void_outlines: bool = False) -> np.ndarray:
    """The scene's semantic map in format ``fmt``'s label values.

    With ``void_outlines`` the pixels on both sides of every object outline
    are set to 255, like the real VOC ``SegmentationClass`` annotations.
    """
    seg = LABEL_MAPS[fmt].encode(scene.semantic)
    if void_outlines:
        kernel = np.ones((3, 3), np.uint8)
        ids = scene.object_map.astype(np.float32)
        outline = cv2.dilate(ids, kernel) != cv2.erode(ids, kernel)
        seg[outline] = IGNORE
    return seg
