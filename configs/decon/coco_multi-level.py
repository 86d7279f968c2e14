# DeCon-ML: decoder losses on P2, P3, P4 and P5, one head each, mean.
_base_ = './coco.py'
model = dict(levels='multi')
