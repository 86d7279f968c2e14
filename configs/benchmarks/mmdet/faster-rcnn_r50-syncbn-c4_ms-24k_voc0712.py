# VOC detection, the MoCo protocol: Faster R-CNN R50-C4 on VOC07+12 trainval,
# 24k iterations (8 x 2), lr 0.02 with steps at 18k and 22k, multi-scale
# 480-800, tested on VOC07 test with COCO-style AP (IoU 0.5:0.95), AP50 and
# AP75. Pytorch-style ResNet with SyncBN, nothing frozen, plain stem, pixel
# mean/std of the pre-training (not mmdet's caffe-style frozen-BN config).
# In C4, res5 is `roi_head.shared_head.layer4`: the loader maps the
# pre-trained `backbone.layer4.*` there.
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50-caffe-c4_ms-18k_voc0712.py'

pretrained = None
load_decoder = False  # C4 has no decoder to take
custom_hooks = [
    dict(
        type='mmdense.engine.LoadPretrainedHook',
        groups=['backbone', 'roi_head.shared_head.layer4'],
        key_map={'backbone.layer4.': 'roi_head.shared_head.layer4.'})
]

norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        frozen_stages=-1,
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        init_cfg=None),
    roi_head=dict(
        shared_head=dict(
            norm_cfg=norm_cfg, norm_eval=False, style='pytorch',
            init_cfg=None)))

max_iter = 24000
train_cfg = dict(max_iters=max_iter, val_interval=4000)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=100),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_iter,
        by_epoch=False,
        milestones=[18000, 22000],
        gamma=0.1)
]
val_evaluator = dict(
    type='VOCMetric',
    metric='mAP',
    eval_mode='area',
    iou_thrs=[round(0.5 + 0.05 * i, 2) for i in range(10)])
test_evaluator = val_evaluator
