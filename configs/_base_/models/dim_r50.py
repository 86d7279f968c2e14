# Deep InfoMax, local-global (Hjelm et al., ICLR 2019), ResNet-50: C5
# locals against the MLP-embedded pooled C5 global, JSD estimator, in-batch
# negatives (gathered); docs/mi_position_methods.md.
_base_ = ['./resnet50.py']
model = dict(
    type='DeepInfoMax',
    backbone=_base_.resnet50,
    local_index=-1,
    head=dict(
        type='DIMHead',
        local_channels=2048,
        global_channels=2048,
        hid_channels=2048,
        out_channels=512,
        estimator='jsd',  # or 'infonce'
        negatives='batch',
        self_score=-10.0))
