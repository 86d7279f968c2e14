# InstDisc / NPID (Wu et al., CVPR 2018), ResNet-50: linear 128-d embedding,
# memory bank of every training image (sized from the dataset by
# MemoryBankHook), momentum 0.5, NCE with 4096 negatives, t 0.07.
_base_ = ['./resnet50.py']
model = dict(
    type='InstDisc',
    backbone=_base_.resnet50,
    neck=dict(
        type='LinearNeck', in_channels=2048, out_channels=128, gap_dim=2),
    memory_bank=dict(
        type='MemoryBank', num_samples=None, dim=128, momentum=0.5),
    num_negatives=4096,
    temperature=0.07)
