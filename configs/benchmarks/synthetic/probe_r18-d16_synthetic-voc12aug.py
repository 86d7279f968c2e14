# Frozen-feature dense linear probe (tools/analysis_tools/dense_probe.py) of
# the backbone's last stage (C5, output stride 16: a 10x8 grid) on the
# synthetic VOC2012: fitted on `train`, scored on `val`, full 160x120
# images.  The model, normalisation and loader are those of the FCN
# benchmark it sits next to; nothing is fine-tuned.  The datasets are the
# demos' in-training probe's (demo_signals.py) at the images' own size.
_base_ = [
    './fcn-d6_r18-d16_synthetic-voc12aug.py', '../../_base_/demo_signals.py'
]
probe_voc = dict(
    _base_.probe_voc,
    pipeline=[
        _base_.probe_pipeline[0],
        dict(_base_.probe_pipeline[1], scale=(160, 120)),
        *_base_.probe_pipeline[2:],
    ])
probe = dict(
    level='backbone',
    dataset=probe_voc,
    val_dataset=dict(probe_voc, ann_file='ImageSets/Segmentation/val.txt'),
    num_classes=21,
    max_samples=64,
    probe_iters=300)
