# Frozen-feature dense linear probe (tools/analysis_tools/dense_probe.py) of
# the backbone's last stage (C5, output stride 16: a 10x8 grid) on the
# synthetic VOC2012: fitted on `train`, scored on `val`, full 160x120
# images.  The model, normalisation and loader are those of the FCN
# benchmark it sits next to; nothing is fine-tuned.
_base_ = './fcn-d6_r18-d16_synthetic-voc12aug.py'
probe_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(160, 120), keep_ratio=False),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
probe = dict(
    level='backbone',
    dataset=dict(
        type='PascalVOCDataset',
        data_root=_base_.voc_root,
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClass'),
        ann_file='ImageSets/Segmentation/train.txt',
        pipeline=probe_pipeline),
    val_dataset=dict(
        type='PascalVOCDataset',
        data_root=_base_.voc_root,
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClass'),
        ann_file='ImageSets/Segmentation/val.txt',
        pipeline=probe_pipeline),
    num_classes=21,
    max_samples=64,
    probe_iters=300)
