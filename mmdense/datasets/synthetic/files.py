"""File helpers of the format writers and :class:`BuildParams`, what every
format writer ``write(root, build) -> counts`` is given."""
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, List, Sequence, Tuple

import cv2
import numpy as np
from PIL import Image

from .scene import Scene, make_scene


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
