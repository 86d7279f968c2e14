# The paper's variant of configs/cpcv2/coco.py: a LayerNorm-style encoder
# (GroupNorm with one group = LayerNorm over channels and space of each
# feature map) and predictions in four directions (down, up, right, left),
# each with its own context network. Its backbone transfers only into
# models built with the same norm (GN, 1 group), not the BN benchmarks.
_base_ = './coco.py'
model = dict(
    backbone=dict(norm_cfg=dict(type='GN', num_groups=1, requires_grad=True)),
    head=dict(directions=('down', 'up', 'right', 'left')))
