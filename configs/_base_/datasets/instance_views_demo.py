# The CPU demos of the instance-discrimination family: the synthetic COCO+
# loader and the per-view augmentations of instance_views.py with 64 px
# crops (`<view>_64`).  Children build their pipeline from them:
# LoadImageFromFile -> MultiView -> instance_pack.
_base_ = ['./synthetic_coco_unlabeled_mocov2.py', './instance_views.py']
npid_view_64 = [dict(_base_.npid_view[0], scale=64), *_base_.npid_view[1:]]
simclr_view_64 = [
    dict(_base_.simclr_view[0], scale=64), *_base_.simclr_view[1:]
]
byol_view1_64 = [dict(_base_.byol_view1[0], scale=64), *_base_.byol_view1[1:]]
byol_view2_64 = [dict(_base_.byol_view2[0], scale=64), *_base_.byol_view2[1:]]
