# CLIP-style image-caption contrast on COCO captions (118k images x 5
# captions), ResNet-50, 8 GPUs x 128 = 1024 pairs, 100 epochs. CLIP's
# optimiser for its ResNets (paper table 19): AdamW (beta2 0.999, eps 1e-8;
# 0.98 / 1e-6 are its ViT values), wd 0.2 except norms, biases and the logit
# scale, lr 5e-4 with linear warm-up and cosine decay (CLIP trains 32
# epochs of 400M pairs at batch 32768; COCO's epochs and batch are ours).
#   tools/dist_train.sh configs/clip/coco.py 8
_base_ = [
    '../_base_/models/clip_r50.py',
    '../_base_/datasets/coco_captions_clip.py',
    '../_base_/pretrain_runtime.py',
]
max_epochs = 100
optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(
        type='AdamW', lr=5e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.2),
    paramwise_cfg=dict(
        norm_decay_mult=0.,
        bias_decay_mult=0.,
        custom_keys={'logit_scale': dict(decay_mult=0.)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=500),
    dict(
        type='CosineAnnealingLR',
        T_max=max_epochs,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=1024)
