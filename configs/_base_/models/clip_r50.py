# CLIP-style image-caption pre-training (mmdense.CLIPPretrain): a plain-stem
# ResNet-50 image tower (its `backbone.*` transfers), average pooling + linear
# projection to 1024-d (CLIP RN50's joint size), CLIP's base text Transformer
# (12 layers, width 512, 8 heads, 77 tokens, causal, end-of-text feature
# projected), learnable temperature 0.07 with the logit scale clipped at 100.
_base_ = ['./resnet50.py']
embed_dim = 1024
model = dict(
    type='CLIPPretrain',
    data_preprocessor=dict(
        type='SelfSupDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=True),
    # CLIP's ModifiedResNet zero-initialises every block's bn3 (model.py
    # initialize_parameters)
    backbone=dict(_base_.resnet50, zero_init_residual=True),
    neck=dict(
        type='LinearNeck',
        in_channels=2048,
        out_channels=embed_dim,
        gap_dim=2,
        norm_cfg=None),
    text_encoder=dict(
        type='CaptionTransformer',
        vocab_size=49408,  # CLIP's; the local tokenizer must fit
        context_length=77,
        width=512,
        layers=12,
        heads=8,
        embed_dim=embed_dim),
    init_temperature=0.07,
    max_logit_scale=100.)
