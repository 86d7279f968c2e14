"""Images without labels, for self-supervised pre-training."""
import json
import logging
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmdense.registry import DATASETS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.pgm', '.tif',
                  '.tiff', '.webp')


@DATASETS.register_module()
class UnlabeledImageDataset(BaseDataset):
    """A list of image paths, from one of three sources.

    * a folder, scanned recursively (``ann_file=''``),
    * a file list (``ann_file='list.txt'``: one path per line, relative to
      ``data_prefix['img_path']``),
    * a COCO annotation file
    (``ann_file='annotations/instances_train2017.json'``
      or ``image_info_unlabeled2017.json``): its ``images[*].file_name``,
    * several of these at once: ``sources=[dict(ann_file=..., img_path=...),
      ...]`` (relative to ``data_root``), e.g. COCO+ = train2017 +
      unlabeled2017.

    Every sample is ``dict(img_path=..., sample_idx=i)``; ``sample_idx`` is the
    image's index (memory-bank methods need it).

    Args:
        ann_file (str): '' for a folder scan, a ``.txt`` list or a COCO json.
        data_root (str): root that ``ann_file`` and ``data_prefix`` join.
        data_prefix (dict): ``img_path``: the image folder.
        extensions (Sequence[str]): file endings taken by the folder scan.
        sources (list[dict], optional): ``dict(ann_file, img_path)`` pairs,
            read in order, instead of ``ann_file`` / ``data_prefix``.
        skip_unreadable (bool): when the first pipeline step (the loader)
            fails on a file, warn once with its path, count it in
            ``num_skipped`` and train on another (readable) image instead of
            crashing.  The count is per process (each dataloader worker keeps
            its own).
    """

    def __init__(self,
                 ann_file: str = '',
                 data_root: str = '',
                 data_prefix: dict = dict(img_path=''),
                 extensions: Sequence[str] = IMG_EXTENSIONS,
                 sources: Optional[List[dict]] = None,
                 skip_unreadable: bool = False,
                 **kwargs) -> None:
        self.sources = sources
        self.extensions = tuple(e.lower() for e in extensions)
        self.skip_unreadable = skip_unreadable
        self._unreadable: Dict[int, str] = {}  # index -> path
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)

    def _check_exists(self, path: str, what: str) -> None:
        if not osp.exists(path):
            raise FileNotFoundError(
                f'{type(self).__name__}: {what} "{path}" does not exist; set '
                'data_root / data_prefix / ann_file to the real location '
                '(python tools/dataset_converters/make_synthetic.py makes a '
                'synthetic one).')

    def load_data_list(self) -> List[dict]:
        if self.sources is None:
            sources = [(self.ann_file, self.data_prefix.get('img_path', '')
                        or self.data_root)]
        else:
            sources = [(self._under_root(src.get('ann_file', '')),
                        self._under_root(src.get('img_path', ''))
                        or self.data_root) for src in self.sources]
        paths = []
        for ann_file, img_dir in sources:
            paths += [
                osp.join(img_dir, name)
                for name in self._list_source(ann_file, img_dir)
            ]
        return [dict(img_path=p, sample_idx=i) for i, p in enumerate(paths)]

    def _under_root(self, path: str) -> str:
        if not path or osp.isabs(path) or not self.data_root:
            return path
        return osp.join(self.data_root, path)

    def _list_source(self, ann_file: str, img_dir: str) -> List[str]:
        self._check_exists(img_dir, 'image folder')
        if not ann_file:
            names, source = self._scan(img_dir), f'folder {img_dir}'
        else:
            self._check_exists(ann_file, 'ann_file')
            names = self._read_ann_file(ann_file)
            source = f'ann_file {ann_file}'
        if not names:
            raise ValueError(
                f'{type(self).__name__}: no images found in {source} '
                f'(extensions {self.extensions}).')
        return names

    def _scan(self, img_dir: str) -> List[str]:
        names = []
        for root, _, files in os.walk(img_dir, followlinks=True):
            for f in files:
                if f.lower().endswith(self.extensions):
                    names.append(osp.relpath(osp.join(root, f), img_dir))
        return sorted(names)

    @staticmethod
    def _read_ann_file(ann_file: str) -> List[str]:
        if ann_file.endswith('.json'):
            with open(ann_file) as f:
                images = json.load(f).get('images')
            if images is None:
                raise ValueError(f'{ann_file} has no "images" list; expected '
                                 'a COCO annotation file.')
            return [img['file_name'] for img in images]
        with open(ann_file) as f:
            return [line.strip() for line in f if line.strip()]

    def prepare_data(self, idx: int) -> Optional[dict]:
        if not self.skip_unreadable:
            return super().prepare_data(idx)
        results = self.get_data_info(idx)
        loader, *rest = self.pipeline.transforms
        try:
            results = loader(results)
        except Exception as err:  # any decode / IO failure of this one file
            self._record_unreadable(idx, results['img_path'], err)
            return None
        for transform in rest:
            if results is None:
                break
            results = transform(results)
        return results

    @property
    def num_skipped(self) -> int:
        """How many distinct unreadable images this process has met."""
        return len(self._unreadable)

    @property
    def skipped_paths(self) -> List[str]:
        return list(self._unreadable.values())

    def _record_unreadable(self, idx: int, path: str, err: Exception) -> None:
        if idx not in self._unreadable:
            self._unreadable[idx] = path
            print_log(
                f'Skipped unreadable image {path} ({type(err).__name__}: '
                f'{err}); {self.num_skipped} unreadable image(s) so far in '
                'this process.',
                logger='current',
                level=logging.WARNING)

    def _rand_another(self) -> int:
        """A random index that is not known to be unreadable."""
        if len(self._unreadable) >= len(self):
            raise RuntimeError(f'{type(self).__name__}: every image is '
                               'unreadable.')
        while True:
            idx = super()._rand_another()
            if idx not in self._unreadable:
                return idx
