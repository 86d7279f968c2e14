"""The entry point :func:`make_synthetic_datasets`: each format's folder is
written to a temporary folder and renamed into place with a manifest."""
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence, Tuple

from .ade20k import _write_ade20k
from .cityscapes import _write_cityscapes
from .coco import _write_coco
from .files import BuildParams, _write_json
from .scene import GENERATOR_VERSION
from .voc import _write_voc

MANIFEST = '_SUCCESS.json'
FORMATS = ('coco', 'voc', 'cityscapes', 'ade20k')


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
                generator=__package__,  # mmdense.datasets.synthetic
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
