# SlotCon's views (see coco_slotcon.py) on the ImageNet-1k training images,
# found by scanning the folder (class sub-folders are ignored).
_base_ = ['./coco_slotcon.py']
data_root = 'data/imagenet/'

train_dataloader = dict(
    dataset=dict(
        data_root=data_root, ann_file='', data_prefix=dict(img_path='train/')))
