"""The VOC writer: ``VOCdevkit/VOC2007`` (detection) and ``VOCdevkit/VOC2012``
(detection and segmentation, with the SBD-style aug set)."""
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

from .files import (BuildParams, _mkparent, _write_image, _write_lines,
                    _write_palette_png)
from .scene import LABEL_MAPS, Scene, encode_semantic


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
