# configs/dim/coco.py with DIM's InfoNCE estimator (same-image candidates
# kept with score -10, as in the official code).
_base_ = './coco.py'
model = dict(head=dict(estimator='infonce'))
