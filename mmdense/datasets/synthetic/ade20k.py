"""The ADE20K writer: ``ADEChallengeData2016`` images and annotations."""
from pathlib import Path

from .files import BuildParams, _write_image
from .scene import encode_semantic


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
