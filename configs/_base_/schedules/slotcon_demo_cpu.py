# demo_cpu.py with SlotCon's own LARS (BarlowTwinsLARS: 1-D parameters
# excluded by shape), lr 1.0 x 8 / 256: the SlotCon / DeCon demos.
_base_ = './demo_cpu.py'
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='BarlowTwinsLARS', lr=0.03, momentum=0.9, weight_decay=1e-5))
