# SlotCon (Wen et al., NeurIPS 2022), ResNet-50, COCO (K=256 prototypes).
# The paper's values are the defaults of SlotCon (teacher momentum cosine
# from 0.99, no shuffle-BN, the teacher transfers) and of SlotConHead
# (4096-wide MLPs, 256-d slots, temperatures 0.07 / 0.1 / 0.2, center
# momentum 0.9, loss weight 0.5): stated once there, not repeated here.
_base_ = ['./resnet50.py']
model = dict(
    type='SlotCon',
    # zero-gamma: SlotCon's ResNet zero-initialises the last BN of every
    # residual block (models/resnet.py, zero_init_residual=True)
    backbone=dict(_base_.resnet50, zero_init_residual=True),
    # K: 256 prototypes for COCO, 2048 for ImageNet (configs/slotcon/)
    head=dict(type='SlotConHead', in_channels=2048, num_prototypes=256))
# the official code converts every BN to SyncBN in distributed training
sync_bn = 'torch'
