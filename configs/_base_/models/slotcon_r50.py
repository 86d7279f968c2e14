# SlotCon (Wen et al., NeurIPS 2022), ResNet-50, COCO (K=256 prototypes).
_base_ = ['./resnet50.py']
model = dict(
    type='SlotCon',
    # zero-gamma: SlotCon's ResNet zero-initialises the last BN of every
    # residual block (models/resnet.py, zero_init_residual=True)
    backbone=dict(_base_.resnet50, zero_init_residual=True),
    head=dict(
        type='SlotConHead',
        in_channels=2048,
        num_prototypes=256,
        hid_channels=4096,
        out_channels=256,
        teacher_temp=0.07,
        student_temp=0.1,
        slot_temp=0.2,
        center_momentum=0.9,
        group_loss_weight=0.5),
    teacher_momentum=0.99,  # cosine to 1 over training
    momentum_schedule='cosine',
    shuffle_bn=False,
    transfer='teacher')
# the official code converts every BN to SyncBN in distributed training
sync_bn = 'torch'
