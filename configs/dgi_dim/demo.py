# DGI-style Deep InfoMax on the synthetic COCO+ for CPU: ResNet-18, one 64 px
# view, batch 8, 64-d locals, corruption of layer4's 4x4 input grid, Adam
# 1e-3 (configs/dim/demo.py with DGIHead). docs/other_pretexts.md
_base_ = ['../dim/demo.py']
model = dict(
    corrupt_stage=3,
    head=dict(
        _delete_=True,
        type='DGIHead',
        local_channels=512,
        hid_channels=128,
        out_channels=64,
        negatives='shuffle'))
