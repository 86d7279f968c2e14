"""The COCO writer: ``coco/{train2017,val2017,unlabeled2017}`` images,
instance, image-info and caption json files."""
from pathlib import Path
from typing import List, Optional

import cv2
import numpy as np

from .captions import CAPTION_STREAM, scene_captions
from .files import BuildParams, _write_image, _write_json
from .scene import GENERATOR_VERSION, LABEL_MAPS, scene_rng

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


def _coco_json(images: list,
               annotations: Optional[list],
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
            for text in scene_captions(
                    scene, scene_rng(build.seed, split, index, CAPTION_STREAM),
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
