# COCO+ = COCO train2017 + unlabeled2017, as UnlabeledImageDataset sources
# (children set `sources=_base_.coco_plus_sources`).
coco_plus_sources = [
    dict(
        ann_file='annotations/instances_train2017.json',
        img_path='train2017/'),
    dict(
        ann_file='annotations/image_info_unlabeled2017.json',
        img_path='unlabeled2017/'),
]
