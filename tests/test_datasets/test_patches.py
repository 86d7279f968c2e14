"""Patch samplers: relative patch pairs (context prediction, adjacent and
order pairs), colour-channel dropping and CPC's patch grid, checked on
images whose pixels say where they are."""
import numpy as np
import pytest
import torch


# ------------------------------------------------------- context prediction
def _coordinate_image(h=200, w=230):
    """Channel 0 = x, channel 1 = y, channel 2 = 7: a pixel says where it
    is (x, y < 256)."""
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([xs, ys, np.full_like(xs, 7)], axis=2).astype(np.uint8)


def test_relative_patch_pair_puts_patches_where_the_label_says():
    from mmdense.datasets.patches import NEIGHBOURS
    from mmdense.registry import TRANSFORMS
    p, gap, jitter = 20, 10, 3
    sampler = TRANSFORMS.build(
        dict(type='RelativePatchPair', patch_size=p, gap=gap, jitter=jitter))
    img = _coordinate_image()
    np.random.seed(0)
    seen = set()
    for _ in range(200):
        out = sampler(dict(img=img.copy()))
        label = out['gt_label']
        seen.add(label)
        center, other = out['img']
        boxes = out['patch_boxes']
        for patch, (x0, y0, x1, y1) in zip(out['img'], boxes):
            assert patch.shape == (p, p, 3)
            # the pixels are the ones at the recorded box
            assert patch[0, 0, 0] == x0 and patch[0, 0, 1] == y0
            assert patch[-1, -1, 0] == x1 - 1 and patch[-1, -1, 1] == y1 - 1
        # displacement of the neighbour = its grid offset x (p + gap),
        # up to the two patches' jitters
        dy, dx = NEIGHBOURS[label]
        ddx = other[0, 0, 0].astype(int) - center[0, 0, 0]
        ddy = other[0, 0, 1].astype(int) - center[0, 0, 1]
        assert abs(ddx - dx * (p + gap)) <= 2 * jitter
        assert abs(ddy - dy * (p + gap)) <= 2 * jitter
        # the label is the nearest grid direction, never another one
        step = p + gap
        assert (round(ddx / step), round(ddy / step)) == (dx, dy)
    assert seen == set(range(8))


def test_relative_patch_pair_errors_and_guards():
    from mmdense.registry import TRANSFORMS
    sampler = TRANSFORMS.build(
        dict(type='RelativePatchPair', patch_size=20, gap=10, jitter=3))
    with pytest.raises(ValueError, match='needs 86x86'):
        sampler(dict(img=_coordinate_image(80, 200)))
    with pytest.raises(ValueError, match='task must be one of'):
        TRANSFORMS.build(dict(type='RelativePatchPair', task='jigsaw'))
    # colour-channel dropping: one channel kept exactly, two near-constant
    drop = TRANSFORMS.build(dict(type='ColorChannelDrop', prob=1.0))
    img = np.random.RandomState(0).randint(0, 256,
                                           (32, 32, 3)).astype(np.uint8)
    np.random.seed(1)
    out = drop(dict(img=img.copy()))['img']
    kept = [c for c in range(3) if np.array_equal(out[..., c], img[..., c])]
    assert len(kept) == 1
    for c in set(range(3)) - set(kept):
        assert out[..., c].std() < 0.05 * img[..., kept[0]].std() + 1
        assert abs(out[..., c].mean() - img[..., kept[0]].mean()) < 1


def test_cpc_patch_grid_geometry_and_errors():
    from mmdense.registry import TRANSFORMS
    grid = TRANSFORMS.build(dict(type='PatchGrid', patch_size=16, stride=8))
    out = grid(dict(img=_coordinate_image(48, 64)))
    assert out['grid_shape'] == (5, 7) and len(out['img']) == 35
    for i, (patch, box) in enumerate(zip(out['img'], out['patch_boxes'])):
        r, c = divmod(i, 7)  # row-major
        assert box == [8. * c, 8. * r, 8. * c + 16, 8. * r + 16]
        assert patch[0, 0, 0] == 8 * c and patch[0, 0, 1] == 8 * r
        assert patch.shape == (16, 16, 3)
    with pytest.raises(ValueError, match='patch_size \\+ n \\* stride'):
        grid(dict(img=_coordinate_image(50, 64)))
    from mmdense.models.heads import CPCHead
    head = CPCHead(
        in_channels=4,
        steps_to_ignore=2,
        steps_to_predict=3,
        directions=('down', 'right'))
    with pytest.raises(ValueError, match='too small to predict 3 steps'):
        head.loss(torch.randn(2, 4, 3, 5))


def _cell(box, origin, step, jitter):
    """Grid cell (row, col) of a box, with its jitter within bounds."""
    col = round((box[0] - origin[0]) / step)
    row = round((box[1] - origin[1]) / step)
    assert abs(box[0] - origin[0] - col * step) <= jitter
    assert abs(box[1] - origin[1] - row * step) <= jitter
    return row, col


def _pairs(task, n=200, **kwargs):
    from mmdense.datasets.patches import RelativePatchPair
    t = RelativePatchPair(patch_size=10, gap=4, jitter=2, task=task, **kwargs)
    np.random.seed(0)
    img = np.random.randint(0, 255, (60, 60, 3), np.uint8)
    out = []
    for _ in range(n):
        np.random.seed(len(out))
        origin = t.random_origin(60, 60)  # the draw the sampler will make
        np.random.seed(len(out))
        res = t.transform(dict(img=img.copy()))
        boxes = res['patch_boxes']
        for patch, box in zip(res['img'], boxes):  # crops where it says
            x0, y0 = int(box[0]), int(box[1])
            assert np.array_equal(patch, img[y0:y0 + 10, x0:x0 + 10])
        cells = [_cell(b, origin, 14, 2) for b in boxes]
        out.append((cells, res['gt_label']))
    return out


@pytest.mark.parametrize('negatives', ['other_image', 'far', 'both'])
def test_adjacent_sampler_geometry(negatives):
    from mmdense.structures import OTHER_IMAGE
    samples = _pairs('adjacent', adjacent_negatives=negatives)
    kinds = set()
    for (a, b), label in samples:
        dist = max(abs(a[0] - b[0]), abs(a[1] - b[1]))
        if label == 1:  # NSP's IsNext: grid neighbours of one image
            assert dist == 1
            kinds.add('pos')
        elif label == OTHER_IMAGE:  # NotNext from another image: the model
            assert negatives in ('other_image', 'both')  # swaps it in
            kinds.add('other')
        else:  # NotNext from the same image: not neighbours
            assert label == 0 and negatives in ('far', 'both') and dist == 2
            kinds.add('far')
    expected = {
        'pos', *(['other', 'far'] if negatives == 'both' else
                 ['far' if negatives == 'far' else 'other'])
    }
    assert kinds == expected
    positives = [label == 1 for _, label in samples]
    assert 0.35 < sum(positives) / len(positives) < 0.65


def test_order_sampler_flips_exactly_the_labelled_pairs():
    samples = _pairs('order')
    for (a, b), label in samples:
        assert abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1  # 4-neighbours
        in_reading_order = (b[0], b[1]) > (a[0], a[1])
        assert in_reading_order == (label == 1) and label in (0, 1)
    labels = [label for _, label in samples]
    assert 0.35 < sum(labels) / len(labels) < 0.65
