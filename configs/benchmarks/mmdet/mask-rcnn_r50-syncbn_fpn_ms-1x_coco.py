# COCO detection / instance segmentation, mmselfsup's protocol: Mask R-CNN
# R50-FPN, mmdet's 1x schedule by epochs (12 epochs, x0.1 after epochs 8 and
# 11, 500 warm-up iterations; about 88k iterations at 8 GPUs x 2 images),
# SyncBN in backbone, FPN and heads, 4conv1fc box head, multi-scale training
# 640-800, plain ResNet stem, nothing frozen, no ImageNet weights.  The same
# settings as open-mmlab/mmselfsup configs/benchmarks/mmdetection/coco/
# mask-rcnn_r50_fpn_ms-1x_coco.py, behind the COCO2017 Mask R-CNN tables of
# mmselfsup's model zoo (MoCo v2, DenseCL, BYOL, ... as re-run by mmselfsup).
# Not the papers' protocol: DenseCL's and SlotCon's own COCO numbers come
# from detectron2's R_50_FPN_1x (90k iterations, precise BN, no weight decay
# on norms), reproduced by mask-rcnn_r50-syncbn_fpn_90k_coco.py.
#   python tools/train.py THIS --cfg-options pretrained=EXPORT.pth
# `pretrained`: the exporter's output (None: random init); `load_decoder`:
# 'auto' loads a DeCon FPN into `neck.*`, False compares encoder-only transfer.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'

# GPUs of the published runs (mmselfsup's benchmark docs: 8 GPUs for
# detection), 2 images each
gpus = 8
pretrained = None
load_decoder = 'auto'
custom_hooks = [
    dict(
        type='mmdense.engine.LoadPretrainedHook',
        groups=['backbone'],
        decoder_groups=['neck'])
]

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    backbone=dict(
        frozen_stages=-1, norm_cfg=norm_cfg, norm_eval=False, init_cfg=None),
    neck=dict(norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead',
            conv_out_channels=256,
            norm_cfg=norm_cfg),
        mask_head=dict(norm_cfg=norm_cfg)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='RandomChoiceResize',
        scales=[(1333, s) for s in range(640, 801, 32)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
