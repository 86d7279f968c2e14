# The COCO Mask R-CNN benchmark at CPU scale on the synthetic COCO: the same
# SSL-protocol config with the demo's ResNet-18 and 64-channel FPN (the
# shapes of configs/decon/demo.py), 160 px images, batch 4, 150 iterations.
# For CPU time, fewer proposals and RoI samples than the protocol (RPN 300
# before NMS / 100 kept, 64 sampled RoIs and anchors per image): at the
# protocol's 2000 / 1000 / 512 / 256 one step took 1.9 s, now 0.45 s.
_base_ = '../mmdet/mask-rcnn_r50-syncbn_fpn_ms-1x_coco.py'
data_root = 'data/synthetic/coco/'
c = 64  # FPN channels of the demo decoder
model = dict(
    backbone=dict(depth=18),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=c),
    rpn_head=dict(in_channels=c, feat_channels=c),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=c),
        bbox_head=dict(in_channels=c, conv_out_channels=c),
        mask_roi_extractor=dict(out_channels=c),
        mask_head=dict(in_channels=c, conv_out_channels=c)),
    train_cfg=dict(
        rpn=dict(sampler=dict(num=64)),
        rpn_proposal=dict(nms_pre=300, max_per_img=100),
        rcnn=dict(sampler=dict(num=64))),
    # few iterations score everything low; COCOeval must still see boxes
    test_cfg=dict(
        rpn=dict(nms_pre=300, max_per_img=100),
        rcnn=dict(score_thr=0.0, max_per_img=20)))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='RandomChoiceResize',
        scales=[(160, s) for s in (96, 112, 128)],
        keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(160, 120), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        data_root=data_root,
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator
max_iters = 150
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(
        type='MultiStepLR',
        by_epoch=False,
        begin=0,
        end=max_iters,
        milestones=[120],
        gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.02))
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(by_epoch=False, interval=max_iters))
log_processor = dict(by_epoch=False)
gpus = 1  # one CPU process (tools/transfer.py)
