"""DGIHead: summary, bilinear discriminator and BCE worked out by hand."""
import math

import pytest
import torch
from helpers import sigmoid


class _Identity(torch.nn.Module):

    def forward(self, x):
        return x


def _tiny_dgi(negatives):
    from mmdense.models.heads.dgi_head import DGIHead
    head = DGIHead(
        local_channels=2, hid_channels=2, out_channels=2, negatives=negatives)
    head.local_net = _Identity()  # locals = the map's positions
    with torch.no_grad():
        head.discriminator.weight.copy_(torch.tensor([[[1., 2.], [0., -1.]]]))
        head.discriminator.bias.fill_(0.5)
    return head


def _bilinear(h, s):  # h^T W s + b with the W, b of _tiny_dgi
    w = [[1., 2.], [0., -1.]]
    return sum(h[a] * w[a][b] * s[b] for a in range(2) for b in range(2)) + 0.5


@pytest.mark.parametrize('negatives', ['shuffle', 'batch+shuffle'])
def test_dgi_head_summary_bilinear_discriminator_and_bce(negatives):
    head = _tiny_dgi(negatives)
    # 2 images, 2 channels, 1 x 2 positions; corrupted = positions swapped
    real = torch.tensor([[[[1., 0.]], [[2., -1.]]], [[[0.5, 0.5]], [[-1.,
                                                                     3.]]]])
    corrupted = real.flip(-1) + 0.25
    locs = [[[real[n, c, 0, p].item() for c in range(2)] for p in range(2)]
            for n in range(2)]
    cors = [[[corrupted[n, c, 0, p].item() for c in range(2)]
             for p in range(2)] for n in range(2)]
    summaries = [[
        sigmoid((locs[n][0][c] + locs[n][1][c]) / 2) for c in range(2)
    ] for n in range(2)]
    pos = [_bilinear(h, summaries[n]) for n in range(2) for h in locs[n]]
    neg = [_bilinear(h, summaries[n]) for n in range(2) for h in cors[n]]
    if negatives == 'batch+shuffle':  # the other image's locals too
        neg += [
            _bilinear(h, summaries[n]) for n in range(2) for h in locs[1 - n]
        ]
    want = -(sum(math.log(sigmoid(v))
                 for v in pos) + sum(math.log(1 - sigmoid(v))
                                     for v in neg)) / (
                                         len(pos) + len(neg))
    got = head.loss(real, None, corrupted_map=corrupted)['loss']
    assert got.item() == pytest.approx(want, rel=1e-5)
    with pytest.raises(ValueError, match='corrupt_stage'):
        head.loss(real, None)
