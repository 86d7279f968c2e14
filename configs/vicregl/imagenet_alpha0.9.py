# VICRegL with alpha 0.9 (the other released ResNet-50 weighting: more
# global, less local loss), otherwise imagenet.py.
_base_ = ['./imagenet.py']
model = dict(head=dict(alpha=0.9))
