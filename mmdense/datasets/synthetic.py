"""Deterministic synthetic scenes written in the real COCO / VOC / Cityscapes /
ADE20K on-disk formats.

This is the project's embedded data for demos and tests: nothing is ever
downloaded. mmdet's and mmseg's stock dataset classes (``CocoDataset``,
``VOCDataset``, ``PascalVOCDataset``, ``CityscapesDataset``,
``ADE20KDataset``) read the output unmodified.

Scenes
------
A scene is a background (ground below a horizon, a few building blocks on
it, sky above) with 2-4 objects of five shape families, one per class,
painted back to front (later objects occlude earlier ones). Objects are
30%-65% of the shorter image side. A class is its shape and its texture
(:data:`_CLASS_TEXTURES`; stuff regions: :data:`_STUFF_TEXTURES`), never its
colours, which are random; every object and building is lit from above
(:func:`_light_from_above`). Instance masks are the *visible* part; an
instance whose visible area is below :data:`MIN_AREA` pixels is not
annotated (its pixels still carry its class in the semantic map). Every
scene is a pure function of ``(seed, split, index, image_size)`` (see
:func:`make_scene`). Why the scenes are so: ``docs/synthetic_data.md``.

Scene labels and the values written per format (:data:`LABEL_MAPS`; they
index the stock class lists, so the stock dataset classes apply unchanged):

=====  ========  =========  =========  ============  ==============  ==========
label  scene     shape      COCO id    VOC index     Cityscapes      ADE20K
                                                     trainId         PNG value
=====  ========  =========  =========  ============  ==============  ==========
0      person    ellipse    1 person   15 person     11 person       13 person
1      car       rectangle  3 car      7 car         13 car          21 car
2      dog       star       18 dog     12 dog        18 bicycle      127 animal
3      bottle    triangle   44 bottle  5 bottle      5 pole          99 bottle
4      chair     ring       62 chair   9 chair       7 traffic sign  20 chair
5      ground    --         --         0 background  0 road          7 road
6      building  --         --         0 background  2 building      2 building
7      sky       --         --         0 background  10 sky          3 sky
=====  ========  =========  =========  ============  ==============  ==========

COCO json files list all 80 official categories (ids 1..90 with gaps).
ADE20K PNG values are class index + 1 (0 = "other" is never written).
VOC ``SegmentationClass`` PNGs have, like the real ones, a 255 (void) band
along object outlines; ``SegmentationClassAug`` PNGs (like the SBD-converted
ones) have none.

Layout under ``out_dir`` (the toolboxes' default data roots)
------------------------------------------------------------
- ``coco/{train2017,val2017,unlabeled2017}/%012d.jpg``;
  ``coco/annotations/instances_{train,val}2017.json`` (one polygon for a
  single-piece visible mask, compressed RLE when it is split or has holes),
  ``coco/annotations/image_info_unlabeled2017.json`` (images only),
  ``coco/annotations/captions_{train,val}2017.json`` (five captions per image
  naming each annotated object's class, colour and position; see
  :mod:`mmdense.datasets.synthetic_captions`).
- ``VOCdevkit/VOC2007``: trainval (= split ``train``) and test (= ``val``) with
  ``JPEGImages``, ``Annotations`` (XML), ``ImageSets/Main``.
- ``VOCdevkit/VOC2012``: scenes of its own (so VOC07+12 trainval never holds
  a VOC2007 test image); ``ImageSets/Segmentation/{train,val}.txt`` with
  palette ``SegmentationClass`` PNGs, ``aug.txt`` = train + ``num_train``
  extra ids, all with ``SegmentationClassAug`` index PNGs (the extra ones have
  only those, as in VOC12-aug); ``Main/trainval.txt`` lists all of them.
- ``cityscapes/{leftImg8bit,gtFine}/{train,val}/<city>/`` with
  ``*_leftImg8bit.png`` and ``*_gtFine_labelTrainIds.png``.
- ``ade/ADEChallengeData2016/{images,annotations}/{training,validation}/``.

Each format's top folder is written to a temporary folder and renamed into
place with a ``_SUCCESS.json`` manifest; a later call with the same parameters
skips it. COCO, VOC2007, Cityscapes and ADE20K share the ``train`` / ``val``
scenes, so the same image carries consistent labels in every format.
"""
import json
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

from .synthetic_captions import CAPTION_STREAM, scene_captions

#: Bump when the rendering or a format writer changes: roots are rebuilt.
#: 3: COCO ``captions_{train,val}2017.json`` (:mod:`.synthetic_captions`).
#: 4: scenes a benchmark can learn from: classes by shape and texture, larger
#: objects, light from above (docs/synthetic_data.md).
GENERATOR_VERSION = 4
MANIFEST = '_SUCCESS.json'
FORMATS = ('coco', 'voc', 'cityscapes', 'ade20k')

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

# The 80 official COCO categories (ids 1..90 with gaps) and supercategories.
COCO_CATEGORY_IDS = (*range(1, 12), *range(13, 26), 27, 28, *range(31, 45),
                     *range(46, 66), 67, 70, *range(72, 83), *range(84, 91))
COCO_CATEGORY_NAMES = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train',
    'truck', 'boat', 'traffic light', 'fire hydrant', 'stop sign',
    'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
    'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag',
    'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
    'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
    'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon',
    'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot',
    'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant',
    'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote',
    'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink',
    'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
    'hair drier', 'toothbrush')
# (last category id of the group, supercategory)
_COCO_SUPERCATEGORIES = ((1, 'person'), (9, 'vehicle'), (15, 'outdoor'),
                         (25, 'animal'), (33, 'accessory'), (43, 'sports'),
                         (51, 'kitchen'), (61, 'food'), (70, 'furniture'),
                         (77, 'electronic'), (82, 'appliance'), (90, 'indoor'))


def coco_categories() -> List[dict]:
    """The ``categories`` list of the official COCO instance json files."""

    def supercategory(cat_id):
        return next(name for last, name in _COCO_SUPERCATEGORIES
                    if cat_id <= last)

    return [
        dict(supercategory=supercategory(i), id=i, name=name)
        for i, name in zip(COCO_CATEGORY_IDS, COCO_CATEGORY_NAMES)
    ]


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


def scene_rng(seed: int, split: str, index: int,
              *stream: int) -> np.random.Generator:
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
                for k in range(1, int(object_map.max()) + 1)]
    for mask, top, bottom in regions:
        ys = np.nonzero(mask.any(1))[0]
        if len(ys) == 0:
            continue
        y0, y1 = ys[0], max(ys[-1], ys[0] + 1)
        ramp = top + (bottom - top) * np.clip((rows - y0) / (y1 - y0), 0, 1)
        gain = np.where(mask, np.broadcast_to(ramp, gain.shape), gain)
    return gain[..., None]


def _solid(rng, grid):
    return np.zeros(grid.shape[1:], np.float32)


def _gradient(rng, grid):
    """Vertical gradient (the sky: one colour at the top, one at the
    bottom), slightly tilted."""
    angle = np.pi / 2 + rng.uniform(-0.3, 0.3)
    t = np.cos(angle) * grid[1] + np.sin(angle) * grid[0]
    return (t - t.min()) / max(float(np.ptp(t)), 1.0)


def _stripes_at(angle, rng, grid, period=(3, 8)):
    phase = (np.cos(angle) * grid[1] + np.sin(angle) * grid[0]) / \
        rng.uniform(*period) + rng.uniform(0, 1)
    return (np.sin(2 * np.pi * phase) > 0).astype(np.float32)


def _horizontal_stripes(rng, grid):
    return _stripes_at(np.pi / 2 + rng.uniform(-0.3, 0.3), rng, grid)


def _vertical_stripes(rng, grid):
    return _stripes_at(rng.uniform(-0.3, 0.3), rng, grid)


def _checks(rng, grid):
    period = rng.uniform(6, 12)
    a = np.floor(grid[1] / period) + np.floor(grid[0] / period)
    return (a % 2).astype(np.float32)


def _smooth_noise(rng, grid, cells=(2, 9)):
    height, width = grid.shape[1:]
    n = int(rng.integers(*cells))
    coarse = rng.random((n, n)).astype(np.float32)
    return np.clip(
        cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC), 0,
        1)


def _spots(rng, grid):
    """Fine blotches: thresholded smooth noise of 12-20 cells."""
    return (_smooth_noise(rng, grid, (12, 21)) > 0.55).astype(np.float32)


def _windows(rng, grid):
    """A facade: a lattice of dark windows."""
    px, py = rng.uniform(7, 13), rng.uniform(8, 14)
    return ((grid[1] % px < px * 0.5) &
            (grid[0] % py < py * 0.5)).astype(np.float32)


#: Texture kinds of the stuff regions (ground, building, sky) and of the
#: object classes (person, car, dog, bottle, chair): a class is its shape and
#: its texture, never a colour (colours are drawn at random per region).
_STUFF_TEXTURES = ((_smooth_noise, ), (_windows, ), (_gradient, ))
_CLASS_TEXTURES = ((_horizontal_stripes, ), (_checks, ), (_spots, ),
                   (_vertical_stripes, ), (_solid, ))


def _texture(rng, grid, kinds) -> np.ndarray:
    """(H, W, 3) float texture between two random colours."""
    kind = kinds[int(rng.integers(len(kinds)))]
    colours = rng.uniform(0, 255, (2, 3)).astype(np.float32)
    t = kind(rng, grid)[..., None]
    return colours[0] + t * (colours[1] - colours[0])


def _paint(image: np.ndarray, mask: np.ndarray, texture: np.ndarray) -> None:
    image[mask] = texture[mask]


def _ellipse(rng, mask, centre, size):
    axes = (size / 2, size / 2 * rng.uniform(0.4, 1.0))
    cv2.ellipse(mask, _int(centre), _int(axes), rng.uniform(0, 180), 0, 360, 1,
                -1)


def _rectangle(rng, mask, centre, size):
    box = (centre, (size, size * rng.uniform(0.35, 1.0)), rng.uniform(0, 180))
    cv2.fillPoly(mask, [_int(cv2.boxPoints(box))], 1)


def _star(rng, mask, centre, size):
    points = int(rng.integers(5, 9))
    radii = np.tile([size / 2, size / 2 * rng.uniform(0.35, 0.6)], points)
    angles = rng.uniform(0, 2 * np.pi) + np.arange(2 * points) * np.pi / points
    _fill_polar(mask, centre, radii, angles)


def _triangle(rng, mask, centre, size):
    angles = rng.uniform(0, 2 * np.pi) + np.arange(3) * 2 * np.pi / 3
    _fill_polar(mask, centre, np.full(3, size / 2),
                angles + rng.uniform(-0.35, 0.35, 3))


def _ring(rng, mask, centre, size):
    _ellipse(rng, mask, centre, size)
    hole = np.zeros_like(mask)
    _ellipse(rng, hole, centre, size * rng.uniform(0.35, 0.7))
    mask[hole > 0] = 0


_SHAPE_DRAWERS = (_ellipse, _rectangle, _star, _triangle, _ring)


def _draw_object(rng, label: int, width: int, height: int) -> np.ndarray:
    """Boolean mask of one object of class ``label`` (may leave the frame)."""
    centre = (rng.uniform(0.1, 0.9) * width, rng.uniform(0.1, 0.9) * height)
    size = rng.uniform(*OBJECT_SIZE) * min(width, height)
    mask = np.zeros((height, width), np.uint8)
    _SHAPE_DRAWERS[label](rng, mask, centre, size)
    return mask > 0


def _fill_polar(mask, centre, radii, angles):
    points = np.stack([
        centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)
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


# ---------------------------------------------------------------------------
# File helpers
# ---------------------------------------------------------------------------
def _mkparent(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _write_image(path: Path, image: np.ndarray) -> None:
    """RGB (or single-channel) uint8 array to .png, or to .jpg with quality
    95 and no chroma subsampling (keeps thin coloured stripes intact)."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    params = [
        cv2.IMWRITE_JPEG_QUALITY, 95, cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
        cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444
    ] if path.suffix == '.jpg' else []
    if not cv2.imwrite(str(_mkparent(path)), image, params):
        raise OSError(f'could not write {path}')


def voc_palette() -> List[int]:
    """The 256-colour PASCAL VOC palette (flat RGB list)."""
    palette = []
    for index in range(256):
        rgb = [0, 0, 0]
        for bit in range(8):  # index bit 3b+c -> bit 7-b of channel c
            for channel in range(3):
                if index >> (3 * bit + channel) & 1:
                    rgb[channel] |= 0x80 >> bit
        palette += rgb
    return palette


def _write_palette_png(path: Path, seg: np.ndarray) -> None:
    image = Image.fromarray(seg)
    image.putpalette(voc_palette())  # 'L' -> 'P', values kept as indices
    image.save(_mkparent(path))


def _write_json(path: Path, obj) -> None:
    with open(_mkparent(path), 'w') as f:
        json.dump(obj, f)


def _write_lines(path: Path, lines: Sequence[str]) -> None:
    _mkparent(path).write_text(''.join(f'{line}\n' for line in lines))


# ---------------------------------------------------------------------------
# Format writers: write(root, build) -> counts, given a build's scenes
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BuildParams:
    """Everything a written root depends on (stored in its manifest)."""
    seed: int
    image_size: Tuple[int, int]
    num_train: int
    num_val: int
    num_unlabeled: int

    def scenes(self, split: str, num: int) -> Iterator[Scene]:
        for index in range(num):
            yield make_scene(self.seed, split, index, self.image_size)

    def manifest_params(self) -> dict:
        return json.loads(json.dumps(asdict(self)))  # tuples -> lists


def coco_segmentation(mask: np.ndarray):
    """COCO ``segmentation`` of a mask: one polygon (pixel-corner
    coordinates) for a single piece without holes, else compressed RLE.

    The polygon is traced along pixel edges, so pycocotools rasterises it back
    to exactly ``mask``; RLE is used whenever that would not hold.
    """
    from pycocotools import mask as mask_utils
    height, width = mask.shape
    polygon = _outline_polygon(mask)
    if polygon is not None:
        rle = mask_utils.merge(
            mask_utils.frPyObjects([polygon], height, width))
        if np.array_equal(mask_utils.decode(rle), mask):
            return [polygon]
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return dict(size=rle['size'], counts=rle['counts'].decode('ascii'))


def _outline_polygon(mask: np.ndarray) -> Optional[List[float]]:
    """Outline of a single-piece, hole-free mask through pixel corners."""
    height, width = mask.shape
    # pixel (y, x) -> the 3x3 block around (2y+1, 2x+1): its outer boundary
    # lies on the doubled pixel-corner grid
    corners = np.zeros((2 * height + 1, 2 * width + 1), np.uint8)
    corners[1::2, 1::2] = mask
    corners = cv2.dilate(corners, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(corners, cv2.RETR_CCOMP,
                                   cv2.CHAIN_APPROX_SIMPLE)
    if len(contours) != 1 or len(contours[0]) < 3:
        return None
    return (contours[0].reshape(-1, 2) / 2).astype(float).ravel().tolist()


def _coco_json(images: list, annotations: Optional[list],
               categories: bool = True) -> dict:
    doc = dict(
        info=dict(
            description='mmdense synthetic scenes',
            version=str(GENERATOR_VERSION)),
        licenses=[],
        images=images)
    if annotations is not None:
        doc['annotations'] = annotations
    if categories:  # the captions files have none, like COCO's
        doc['categories'] = coco_categories()
    return doc


def _write_coco(root: Path, build: BuildParams) -> dict:
    splits = (('train2017', 'train', build.num_train, 'instances_train2017'),
              ('val2017', 'val', build.num_val, 'instances_val2017'),
              ('unlabeled2017', 'unlabeled', build.num_unlabeled,
               'image_info_unlabeled2017'))
    cat_ids = LABEL_MAPS['coco'].values
    image_id = ann_id = caption_id = 0
    counts = {}
    for folder, split, num, json_name in splits:
        labeled = json_name.startswith('instances')
        images, annotations, captions = [], [], []
        for index, scene in enumerate(build.scenes(split, num)):
            image_id += 1
            for text in scene_captions(scene,
                                       scene_rng(build.seed, split, index,
                                                 CAPTION_STREAM),
                                       LABEL_MAPS['coco'].names):
                caption_id += 1
                captions.append(
                    dict(image_id=image_id, id=caption_id, caption=text))
            file_name = f'{image_id:012d}.jpg'
            _write_image(root / folder / file_name, scene.image)
            height, width = scene.semantic.shape
            images.append(
                dict(
                    id=image_id,
                    file_name=file_name,
                    height=height,
                    width=width))
            for inst in scene.instances if labeled else ():
                ann_id += 1
                x0, y0, x1, y1 = inst.bbox
                annotations.append(
                    dict(
                        id=ann_id,
                        image_id=image_id,
                        category_id=cat_ids[inst.label],
                        segmentation=coco_segmentation(inst.mask),
                        area=float(inst.area),
                        bbox=[
                            float(x0),
                            float(y0),
                            float(x1 - x0),
                            float(y1 - y0)
                        ],
                        iscrowd=0))
        _write_json(root / 'annotations' / f'{json_name}.json',
                    _coco_json(images, annotations if labeled else None))
        counts[folder] = dict(images=len(images), instances=len(annotations))
        if labeled:  # COCO has captions for train2017 / val2017 only
            _write_json(root / 'annotations' / f'captions_{folder}.json',
                        _coco_json(images, captions, categories=False))
            counts[folder]['captions'] = len(captions)
    return counts


def _voc_xml(year: str, image_id: str, scene: Scene, segmented: bool) -> str:
    height, width = scene.semantic.shape
    root = ET.Element('annotation')
    _xml_fields(root, folder=year, filename=f'{image_id}.jpg')
    _xml_fields(
        ET.SubElement(root, 'source'), database='mmdense synthetic scenes')
    _xml_fields(
        ET.SubElement(root, 'size'), width=width, height=height, depth=3)
    _xml_fields(root, segmented=int(segmented))
    for inst in scene.instances:
        x0, y0, x1, y1 = inst.bbox
        truncated = x0 == 0 or y0 == 0 or x1 == width or y1 == height
        obj = ET.SubElement(root, 'object')
        _xml_fields(
            obj,
            name=LABEL_MAPS['voc'].names[inst.label],
            pose='Unspecified',
            truncated=int(truncated),
            difficult=0)
        # 1-based, inclusive corners
        _xml_fields(
            ET.SubElement(obj, 'bndbox'),
            xmin=x0 + 1,
            ymin=y0 + 1,
            xmax=x1,
            ymax=y1)
    ET.indent(root)
    return ET.tostring(root, encoding='unicode') + '\n'


def _xml_fields(parent: ET.Element, **fields) -> None:
    for tag, value in fields.items():
        ET.SubElement(parent, tag).text = str(value)


def _write_voc_images(year_root: Path, build: BuildParams,
                      sets: Sequence[Tuple[str, int, bool, bool]],
                      image_id: Callable[[int], str]) -> Dict[str, List[str]]:
    """Images, XML and label PNGs of one VOC year.

    ``sets`` holds (scene split, count, write SegmentationClass, write
    SegmentationClassAug); returns the image ids per scene split.
    """
    year = year_root.name
    ids = {}
    count = 0
    for split, num, seg_class, seg_aug in sets:
        ids[split] = []
        for scene in build.scenes(split, num):
            name = image_id(count)
            count += 1
            ids[split].append(name)
            _write_image(year_root / 'JPEGImages' / f'{name}.jpg', scene.image)
            _mkparent(year_root / 'Annotations' / f'{name}.xml').write_text(
                _voc_xml(year, name, scene, seg_class))
            if seg_class:
                _write_palette_png(
                    year_root / 'SegmentationClass' / f'{name}.png',
                    encode_semantic(scene, 'voc', void_outlines=True))
            if seg_aug:
                _write_image(
                    year_root / 'SegmentationClassAug' / f'{name}.png',
                    encode_semantic(scene, 'voc'))
    return ids


def _write_image_sets(folder: Path, **image_sets: List[str]) -> dict:
    for name, ids in image_sets.items():
        _write_lines(folder / f'{name}.txt', ids)
    return {name: len(ids) for name, ids in image_sets.items()}


def _write_voc(root: Path, build: BuildParams) -> dict:
    """VOC2007 detection (trainval/test) and VOC2012 detection and
    segmentation (train/val/aug), like the real VOCdevkit + SBD aug."""
    ids = _write_voc_images(root / 'VOC2007', build,
                            [('train', build.num_train, False, False),
                             ('val', build.num_val, False, False)],
                            lambda n: f'{n + 1:06d}')
    counts = dict(
        VOC2007=_write_image_sets(
            root / 'VOC2007/ImageSets/Main',
            trainval=ids['train'],
            test=ids['val']))

    ids = _write_voc_images(root / 'VOC2012', build,
                            [('voc2012_train', build.num_train, True, True),
                             ('voc2012_val', build.num_val, True, False),
                             ('voc2012_aug', build.num_train, False, True)],
                            lambda n: f'2012_{n + 1:06d}')
    train, val, extra = ids.values()
    counts['VOC2012'] = dict(
        Main=_write_image_sets(
            root / 'VOC2012/ImageSets/Main', trainval=train + val + extra),
        Segmentation=_write_image_sets(
            root / 'VOC2012/ImageSets/Segmentation',
            train=train,
            val=val,
            trainval=train + val,
            aug=train + extra))
    return counts


def _write_cityscapes(root: Path, build: BuildParams) -> dict:
    counts = {}
    for split, num, city in (('train', build.num_train, 'aachen'),
                             ('val', build.num_val, 'frankfurt')):
        for index, scene in enumerate(build.scenes(split, num)):
            stem = f'{city}/{city}_000000_{index:06d}'
            _write_image(
                root / 'leftImg8bit' / split / f'{stem}_leftImg8bit.png',
                scene.image)
            _write_image(
                root / 'gtFine' / split / f'{stem}_gtFine_labelTrainIds.png',
                encode_semantic(scene, 'cityscapes'))
        counts[split] = num
    return counts


def _write_ade20k(root: Path, build: BuildParams) -> dict:
    data_root = root / 'ADEChallengeData2016'
    counts = {}
    splits = (('train', build.num_train, 'training', 'ADE_train'),
              ('val', build.num_val, 'validation', 'ADE_val'))
    for split, num, folder, prefix in splits:
        for index, scene in enumerate(build.scenes(split, num)):
            name = f'{prefix}_{index + 1:08d}'
            _write_image(data_root / 'images' / folder / f'{name}.jpg',
                         scene.image)
            _write_image(data_root / 'annotations' / folder / f'{name}.png',
                         encode_semantic(scene, 'ade20k'))
        counts[folder] = num
    return counts


@dataclass(frozen=True)
class _Format:
    folder: str  # written and replaced as a whole, holds the manifest
    data_root: str  # what configs use as ``data_root``
    write: Callable[[Path, BuildParams], dict]


_FORMATS = dict(
    coco=_Format('coco', 'coco', _write_coco),
    voc=_Format('VOCdevkit', 'VOCdevkit', _write_voc),
    cityscapes=_Format('cityscapes', 'cityscapes', _write_cityscapes),
    ade20k=_Format('ade', 'ade/ADEChallengeData2016', _write_ade20k),
)


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------
def load_manifest(out_dir, fmt: str) -> Optional[dict]:
    """The manifest of a complete root of ``fmt`` under ``out_dir``, or
    None."""
    path = Path(out_dir) / _FORMATS[fmt].folder / MANIFEST
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def make_synthetic_datasets(out_dir='data/synthetic',
                            formats: Sequence[str] = FORMATS,
                            num_train: int = 24,
                            num_val: int = 8,
                            num_unlabeled: int = 24,
                            image_size: Tuple[int, int] = (160, 120),
                            seed: int = 0,
                            overwrite: bool = False) -> Dict[str, str]:
    """Write the synthetic datasets (see the module docstring).

    Args:
        out_dir: root folder, created if missing.
        formats: any of ``'coco', 'voc', 'cityscapes', 'ade20k'``.
        num_train / num_val: images per split (VOC2012 also writes
            ``num_train`` aug-only images); num_unlabeled: COCO
            ``unlabeled2017`` images.
        image_size: ``(width, height)``.
        seed: global seed; image ``i`` of a split depends only on
            ``(seed, split, i, image_size)``.
        overwrite: rebuild even roots whose manifest matches. A folder that
            this generator did not write (no manifest) is never deleted.

    Returns:
        ``{format: data_root}``, the paths configs use as ``data_root``
        (``coco``, ``VOCdevkit``, ``cityscapes``,
        ``ade/ADEChallengeData2016`` under ``out_dir``).
    """
    unknown = set(formats) - set(_FORMATS)
    if unknown:
        raise ValueError(f'unknown formats {sorted(unknown)}; '
                         f'choose from {FORMATS}')
    width, height = (int(v) for v in image_size)
    if min(width, height) < 16 or min(num_train, num_val, num_unlabeled) < 0:
        raise ValueError('image_size must be at least 16x16 and the counts '
                         'non-negative')
    build = BuildParams(
        int(seed), (width, height), int(num_train), int(num_val),
        int(num_unlabeled))
    out_dir = Path(out_dir).absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    roots = {}
    for fmt in formats:
        _build_format(out_dir, fmt, build, overwrite)
        roots[fmt] = str(out_dir / _FORMATS[fmt].data_root)
    return roots


def _is_current(manifest: Optional[dict], fmt: str,
                build: BuildParams) -> bool:
    return manifest is not None and manifest.get('format') == fmt and \
        manifest.get('version') == GENERATOR_VERSION and \
        manifest.get('params') == build.manifest_params()


def _build_format(out_dir: Path, fmt: str, build: BuildParams,
                  overwrite: bool) -> None:
    """Write one format into a temporary folder, then rename it into place:
    an interrupted build never leaves a complete-looking root behind."""
    spec = _FORMATS[fmt]
    final = out_dir / spec.folder
    manifest = load_manifest(out_dir, fmt)
    if not overwrite and _is_current(manifest, fmt, build):
        return
    if manifest is None and final.exists() and any(final.iterdir()):
        raise FileExistsError(
            f'{final} exists and was not written by the synthetic data '
            'generator; refusing to replace it (choose another out_dir)')
    tmp = Path(tempfile.mkdtemp(prefix=f'.{spec.folder}.', dir=out_dir))
    tmp.chmod(0o755)  # mkdtemp makes it private
    try:
        counts = spec.write(tmp, build)
        _write_json(
            tmp / MANIFEST,
            dict(
                generator=__name__,
                version=GENERATOR_VERSION,
                format=fmt,
                params=build.manifest_params(),
                counts=counts))
        _replace(tmp, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not _is_current(load_manifest(out_dir, fmt), fmt, build):
        raise RuntimeError(f'{final} was changed concurrently')


def _replace(new: Path, final: Path) -> None:
    """Move ``new`` to ``final``, moving an old ``final`` out of the way."""
    if final.exists():
        old = Path(
            tempfile.mkdtemp(prefix=f'.{final.name}.old.', dir=final.parent))
        try:
            os.replace(final, old / final.name)
        except FileNotFoundError:  # removed concurrently
            pass
        shutil.rmtree(old, ignore_errors=True)
    try:
        os.rename(new, final)
    except OSError:
        if not final.exists():  # else: a concurrent build put one in place
            raise
