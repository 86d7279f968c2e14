"""PixPro's view coordinates and positive pixel pairs on crop boxes whose
answers are worked out by hand (centers, cell diagonals, the 0.7 rule)."""
import torch
from mmpretrain.structures import DataSample

from mmdense.structures import (distance_positives, pixpro_coords,
                                views_geometry)


def test_coords_first_and_last_pixel_over_size_minus_one():
    # an 11 x 21 image; the crop of columns 5..14 and rows 2..7 is the
    # pixel-edge box [5, 2, 15, 8]: x by 20 = 21 - 1, y by 10 = 11 - 1
    boxes = torch.tensor([[5., 2., 15., 8.], [5., 2., 15., 8.]])
    flips = torch.tensor([False, True])
    hw = torch.tensor([[11., 21.], [11., 21.]])
    coords = pixpro_coords(boxes, flips, hw)
    torch.testing.assert_close(coords[0], torch.tensor([.25, .2, .7, .7]))
    # a flipped view swaps x: its first column shows source column 14
    torch.testing.assert_close(coords[1], torch.tensor([.7, .2, .25, .7]))


def _coords(box, flip=False, size=17):
    return pixpro_coords(
        torch.tensor([box], dtype=torch.float), torch.tensor([flip]),
        torch.tensor([[size, size]], dtype=torch.float))


def test_same_crop_pairs_each_cell_with_itself_only():
    # neighbouring centers are one cell width apart: 1 / sqrt(2) = 0.707
    # cell diagonals, just above the 0.7 threshold
    c = _coords([0, 0, 9, 9])
    torch.testing.assert_close(
        distance_positives(c, c, (2, 2), 0.7)[0], torch.eye(4))
    assert distance_positives(c, c, (2, 2), 0.71)[0].sum() == 4 + 8


def test_shifted_crop_with_and_without_flip():
    # 17 x 17 image (size - 1 = 16). View q: pixels 0..8 -> [0, .5];
    # centers .125, .375. View k: pixels 2..10 -> [.125, .625]; centers
    # .25, .5. Both cells are .25 wide: diagonal .3536, threshold .2475.
    # Diagonal neighbours at (.125, .125) apart (.1768) are positive, cells
    # .375 apart in x or y are not.  Cells row-major: 00, 01, 10, 11.
    q, k = _coords([0, 0, 9, 9]), _coords([2, 2, 11, 11])
    expected = torch.tensor([[1., 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0],
                             [1, 1, 1, 1]])
    torch.testing.assert_close(
        distance_positives(q, k, (2, 2), 0.7)[0], expected)
    # k flipped: its column 0 now shows the source's right half (center .5)
    k_flip = _coords([2, 2, 11, 11], flip=True)
    torch.testing.assert_close(
        distance_positives(q, k_flip, (2, 2), 0.7)[0], expected[:,
                                                                [1, 0, 3, 2]])
    # and q flipped as well: its rows swap in the same way
    q_flip = _coords([0, 0, 9, 9], flip=True)
    torch.testing.assert_close(
        distance_positives(q_flip, k_flip, (2, 2), 0.7)[0],
        expected[[1, 0, 3, 2]][:, [1, 0, 3, 2]])


def test_threshold_uses_the_larger_cell_diagonal():
    # q: pixels 0..16 -> [0, 1], cells .5 (diagonal .7071, threshold .495);
    # k: pixels 0..8 -> [0, .5], cells .25.  q's cell 00 (center .25, .25)
    # and k's cell 11 (.375, .375) are .1768 apart: positive; k's cell 00
    # (.125, .125) too; q's cell 11 (.75, .75) and k's 11: .5303 > .495.
    q, k = _coords([0, 0, 17, 17]), _coords([0, 0, 9, 9])
    mask = distance_positives(q, k, (2, 2), 0.7)[0]
    assert mask[0].tolist() == [1, 1, 1, 1]
    assert mask[3].tolist() == [0, 0, 0, 0]
    # disjoint crops have no positive pair
    far = _coords([0, 0, 4, 4]), _coords([12, 12, 17, 17])
    assert distance_positives(*far, (2, 2), 0.7).sum() == 0


def test_views_geometry_carries_the_source_sizes():
    samples = []
    for hw in ((11, 21), (30, 40)):
        s = DataSample()
        s.set_metainfo(
            dict(
                view_boxes=[[0, 0, 4, 4], [1, 1, 5, 5]],
                view_flips=[False, True],
                view_sizes=[(4, 4), (4, 4)],
                ori_shape=hw))
        samples.append(s)
    geo = views_geometry(samples)
    assert geo['image_sizes'].tolist() == [[11., 21.], [30., 40.]]
    for s in samples:
        del s.ori_shape
    assert 'image_sizes' not in views_geometry(samples)
