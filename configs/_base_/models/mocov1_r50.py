# MoCo v1 (He et al., CVPR 2020): MoCo v2's model with a linear 128-d head
# (global average pool -> fc) and t 0.07.
_base_ = ['./mocov2_r50.py']
model = dict(
    head=dict(
        projector=dict(
            _delete_=True,
            type='LinearNeck',
            in_channels=2048,
            out_channels=128,
            gap_dim=2),
        temperature=0.07))
