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
  :mod:`mmdense.datasets.synthetic.captions`).
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

Modules
-------
- :mod:`.scene`: the scene constants, labels and the seeded renderer
  (textures in :mod:`.textures`);
- :mod:`.captions`: the COCO captions of a scene;
- :mod:`.files`: file helpers and :class:`~.files.BuildParams`;
- :mod:`.coco`, :mod:`.voc`, :mod:`.cityscapes`, :mod:`.ade20k`: the format
  writers;
- :mod:`.build`: :func:`make_synthetic_datasets`, the manifests and the
  atomic replacement of a format's folder.
"""
from .build import FORMATS, MANIFEST, load_manifest, make_synthetic_datasets
from .coco import coco_categories
from .scene import (CLASSES, LABEL_MAPS, MIN_AREA, STUFF, Scene,
                    encode_semantic, make_scene, render_scene)

__all__ = [
    'CLASSES', 'FORMATS', 'LABEL_MAPS', 'MANIFEST', 'MIN_AREA', 'STUFF',
    'Scene', 'coco_categories', 'encode_semantic', 'load_manifest',
    'make_scene', 'make_synthetic_datasets', 'render_scene'
]
