# DeCon on COCO+ (train2017 + unlabeled2017).
_base_ = './coco.py'
train_dataloader = dict(
    dataset=dict(
        ann_file='',
        sources=[
            dict(
                ann_file='annotations/instances_train2017.json',
                img_path='train2017/'),
            dict(
                ann_file='annotations/image_info_unlabeled2017.json',
                img_path='unlabeled2017/'),
        ]))
