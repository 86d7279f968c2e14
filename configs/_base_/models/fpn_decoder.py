# DeCon's detection decoder, merged into a base method's model by the
# children (`model = _base_.fpn_decoder`): mmdet's own FPN with the benchmark
# neck's SyncBN, so its weights load into the detector's `neck.*` 1:1;
# single-level decoder loss on P2 (DeCon-SL), w = 0.5, no channel dropout.
fpn_decoder = dict(
    type='DeCon',
    backbone=dict(out_indices=(0, 1, 2, 3)),
    decoder=dict(
        type='mmdet.FPN',
        in_channels=[256, 512, 1024, 2048],
        out_channels=256,
        num_outs=4,  # P2-P5, no P6
        norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decoder_key='neck',
    # decoder heads: the base method's head with in_channels 256 (set by
    # DeCon), e.g. SlotCon's projector 256 -> 4096 -> 4096 -> 256, same K
    decoder_head=None,
    encoder_loss_weight=0.5,
    levels='single',
    channel_dropout=0.0,
    # the authors' FPN is detectron2's: c2_xavier_fill on every conv
    decoder_init='c2_xavier_fill',
    # their teacher decoder's prototypes stay at the initial copy
    # (SlotCon base; ignored by heads without prototypes)
    decoder_prototypes='frozen')
# single-level: the FPN's P3-P5 output convs get no loss; they are exported
# at their init (the authors delete them, and detectron2 re-creates them with
# the same c2_xavier_fill at fine-tuning)
find_unused_parameters = True
# the CPU demos' decoder: the same FPN on ResNet-18's 64-512 channels, 64
# wide, plain BN (`model = dict(_base_.fpn_decoder_r18, ...)`)
fpn_decoder_r18 = dict(
    fpn_decoder,
    decoder=dict(
        fpn_decoder['decoder'],
        in_channels=[64, 128, 256, 512],
        out_channels=64,
        norm_cfg=dict(type='BN', requires_grad=True)))
