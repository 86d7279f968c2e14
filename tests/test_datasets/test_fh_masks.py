"""DetCon's FH masks: the tool's output on an image whose regions are known,
its determinism and layout, and the masks of views with a known crop and
flip."""
import cv2
import numpy as np
import pytest

from mmdense.datasets import LoadFHMask, write_fh_masks
from mmdense.datasets.fh_masks import fh_segments, mask_path, view_mask


def _regions():
    """64 x 96 image: three flat regions (left, top right, bottom right)."""
    img = np.zeros((64, 96, 3), np.uint8)
    img[:, :40] = (200, 30, 30)
    img[:32, 40:] = (20, 200, 40)
    img[32:, 40:] = (30, 40, 220)
    truth = np.zeros((64, 96), int)
    truth[:32, 40:] = 1
    truth[32:, 40:] = 2
    return img, truth


def test_fh_finds_the_known_regions_deterministically():
    img, truth = _regions()
    # without the pre-smoothing (sigma 0), exactly the three regions
    seg = fh_segments(img, scale=1000, min_size=100, sigma=0)
    ids = [np.unique(seg[truth == r]) for r in range(3)]
    assert all(len(i) == 1 for i in ids)
    assert len({int(i[0]) for i in ids}) == 3
    # with DetCon's sigma 0.8 the blurred edges move a border strip, the
    # same on every run
    runs = [fh_segments(img, scale=1000, min_size=100) for _ in range(2)]
    assert np.array_equal(*runs)
    for r in range(3):
        _, counts = np.unique(runs[0][truth == r], return_counts=True)
        assert counts.max() >= 0.95 * (truth == r).sum()


def test_tool_writes_uint8_pngs_beside_the_images(tmp_path):
    img, _ = _regions()
    for folder in ('train2017', 'unlabeled2017'):
        (tmp_path / folder / 'sub').mkdir(parents=True)
        cv2.imwrite(str(tmp_path / folder / 'sub' / 'a.jpg'), img[..., ::-1])
    counts = write_fh_masks(
        str(tmp_path), ('train2017', 'unlabeled2017'), min_size=100)
    assert counts == dict(written=2, kept=0, wrapped=0)
    out = tmp_path / 'fh_masks' / 'train2017' / 'sub' / 'a.png'
    mask = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    assert mask.dtype == np.uint8 and mask.shape == (64, 96)
    decoded = cv2.imread(str(tmp_path / 'train2017' / 'sub' / 'a.jpg'))
    assert np.array_equal(mask, fh_segments(decoded[..., ::-1], 1000, 100))
    again = write_fh_masks(
        str(tmp_path), ('train2017', 'unlabeled2017'), min_size=100)
    assert again == dict(written=0, kept=2, wrapped=0)


def test_mask_paths():
    assert mask_path('data/coco/train2017/x.jpg', ('train2017', )) == \
        'data/coco/fh_masks/train2017/x.png'
    assert mask_path('/d/imagenet/train/n01/y.JPEG', ('train', )) == \
        '/d/imagenet/fh_masks/train/n01/y.png'
    with pytest.raises(ValueError, match='image folders'):
        mask_path('data/coco/val2017/x.jpg', ('train2017', ))


def test_missing_mask_names_the_tool(tmp_path):
    (tmp_path / 'train2017').mkdir()
    results = dict(
        img_path=str(tmp_path / 'train2017' / 'a.jpg'),
        img=np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(FileNotFoundError, match='make_fh_masks.py'):
        LoadFHMask(('train2017', ))(results)


def test_view_mask_follows_a_known_crop_and_flip():
    src = np.arange(64).reshape(8, 8)  # value = 8 * row + col
    # crop columns / rows 2..5 (box [2, 2, 6, 6]) down to 2 x 2: crop pixel
    # floor((i + .5) * 4 / 2) = 1, 3 -> source rows / columns 3 and 5
    assert view_mask(src, [2, 2, 6, 6], (2, 2), False).tolist() == \
        [[27, 29], [43, 45]]
    assert view_mask(src, [2, 2, 6, 6], (2, 2), True).tolist() == \
        [[29, 27], [45, 43]]
    # up-sampling a 2 x 2 crop to 4 x 4: floor((i + .5) / 2) = 0, 0, 1, 1
    assert view_mask(src, [0, 0, 2, 2], (4, 4), False).tolist() == \
        [[0, 0, 1, 1], [0, 0, 1, 1], [8, 8, 9, 9], [8, 8, 9, 9]]
    # a non-square crop: columns 1..6 (6) to 3, rows 4..5 (2) to 1
    assert view_mask(src, [1, 4, 7, 6], (1, 3), False).tolist() == \
        [[8 * 5 + 2, 8 * 5 + 4, 8 * 5 + 6]]
