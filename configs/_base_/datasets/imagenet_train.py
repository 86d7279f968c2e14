# ImageNet-1K's training images (found by scanning data/imagenet/train/;
# class sub-folders are ignored, no annotation file) in place of COCO's:
# inherit this next to the COCO loader, then set
#   data_root = _base_.imagenet_train.data_root
#   train_dataloader = dict(dataset=_base_.imagenet_train)
imagenet_train = dict(
    data_root='data/imagenet/',
    ann_file='',
    data_prefix=dict(img_path='train/'))
