# Deep InfoMax / CPC v2 on COCO: Adam (DIM's optimiser, lr 1e-4), no weight
# decay, cosine over 800 epochs (the project's COCO length), batch 256.
# A documented choice: docs/mi_position_methods.md.
_base_ = './coslr_800e.py'
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, weight_decay=0.))
