"""The Cityscapes writer: ``leftImg8bit`` images and ``gtFine`` trainId
maps."""
from pathlib import Path

from .files import BuildParams, _write_image
from .scene import encode_semantic


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
