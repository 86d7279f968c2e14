# DeCon on COCO+ (train2017 + unlabeled2017).
_base_ = './coco.py'
data_root = 'data/coco/'
train_pipeline = {{_base_.train_pipeline}}
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(
                type='UnlabeledImageDataset',
                data_root=data_root,
                ann_file='annotations/instances_train2017.json',
                data_prefix=dict(img_path='train2017/'),
                pipeline=train_pipeline),
            dict(
                type='UnlabeledImageDataset',
                data_root=data_root,
                ann_file='annotations/image_info_unlabeled2017.json',
                data_prefix=dict(img_path='unlabeled2017/'),
                pipeline=train_pipeline),
        ]))
