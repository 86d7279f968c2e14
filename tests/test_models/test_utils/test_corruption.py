"""DGI-style corruption: shuffled positions and the later stages re-run on
them."""
import torch


def test_shuffle_positions_moves_whole_feature_vectors():
    from mmdense.models.utils import shuffle_positions
    x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float).view(2, 3, 4, 5)
    y = shuffle_positions(x, torch.Generator().manual_seed(0))
    for n in range(2):
        before = {tuple(v) for v in x[n].flatten(1).t().tolist()}
        after = [tuple(v) for v in y[n].flatten(1).t().tolist()]
        assert set(after) == before and len(after) == 20  # a permutation
        assert after != sorted(before)  # of the positions, really moved


def test_corruption_reruns_the_later_stages_on_shuffled_input():
    from mmpretrain.models import ResNet

    from mmdense.models.utils import encode_with_corruption
    torch.manual_seed(0)
    net = ResNet(depth=18, out_indices=(3, ))
    net.eval()  # (mmpretrain's ResNet.train returns None)
    img = torch.randn(2, 3, 64, 64)  # layer4 input 4x4: shuffled
    feats, corrupted = encode_with_corruption(net, img, 3, 3)
    assert torch.equal(feats[-1], net(img)[-1])
    assert corrupted.shape == feats[-1].shape
    assert not torch.allclose(corrupted, feats[-1])
    small = torch.randn(2, 3, 16, 16)  # layer4 input 1x1: nothing to move
    feats, corrupted = encode_with_corruption(net, small, 3, 3)
    assert torch.allclose(corrupted, feats[-1])
