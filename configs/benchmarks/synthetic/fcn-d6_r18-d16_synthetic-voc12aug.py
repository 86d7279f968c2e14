# The VOC12-aug FCN-D6 benchmark at CPU scale on the synthetic VOC12-aug.
_base_ = [
    '../mmseg/fcn-d6_r50-d16_4xb4-30k_voc12aug-513x513.py',
    './_fcn_synthetic.py'
]
data_root = 'data/synthetic/VOCdevkit/VOC2012'
model = _base_.small_model
train_cfg = _base_.small_train_cfg
param_scheduler = _base_.small_schedule
default_hooks = _base_.small_hooks
train_pipeline = _base_.small_train_pipeline
test_pipeline = _base_.small_test_pipeline
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(datasets=[
        dict(
            type='PascalVOCDataset',
            data_root=data_root,
            data_prefix=dict(
                img_path='JPEGImages', seg_map_path='SegmentationClass'),
            ann_file='ImageSets/Segmentation/train.txt',
            pipeline=train_pipeline),
        dict(
            type='PascalVOCDataset',
            data_root=data_root,
            data_prefix=dict(
                img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
            ann_file='ImageSets/Segmentation/aug.txt',
            pipeline=train_pipeline),
    ]))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
