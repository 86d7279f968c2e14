"""PartMacCounter (mmdense.analysis) against multiply-accumulates counted by
hand."""
import torch
import torch.nn as nn

from mmdense.analysis import PartMacCounter


class _Toy(nn.Module):
    """backbone: one 1x1 conv; head: a matmul in ``loss``; other: a
    matmul outside both."""

    def __init__(self, cin, cout):
        super().__init__()
        self.backbone = nn.Conv2d(cin, cout, 1)
        self.head = _ToyHead()

    def forward(self, x):
        feat = self.backbone(x)
        pooled = feat.mean(dim=(2, 3))
        _ = pooled @ pooled.t()  # other: N * N * cout
        return self.head.loss(feat)


class _ToyHead(nn.Module):

    def loss(self, feat):
        flat = feat.flatten(2)
        return torch.bmm(flat.transpose(1, 2), flat).sum()  # N * S * S * C


def test_part_mac_counter_matches_hand_count():
    n, cin, cout, h, w = 2, 16, 32, 5, 7
    model = _Toy(cin, cout)
    parts = {'backbone': [model.backbone], 'head': [(model.head, 'loss')]}
    with torch.no_grad(), PartMacCounter(parts) as counter:
        model(torch.randn(n, cin, h, w))
    assert counter.macs['backbone'] == n * cin * cout * h * w  # 1x1 conv
    assert counter.macs['head'] == n * (h * w)**2 * cout
    assert counter.macs['other'] == n * n * cout
    assert 'loss' not in model.head.__dict__  # the method is restored
