# DetCon's views with FH masks (coco_detcon.py) at 64 px on the synthetic
# COCO+, batch 8, for CPU demos and tests: the SlotCon demo's loader and
# views (synthetic_slotcon.py) with the masks and independent crops.  The
# masks (tools/run_demo.sh writes them):
#   python tools/dataset_converters/make_fh_masks.py data/synthetic/coco \
#       --folders train2017 unlabeled2017
_base_ = ['./synthetic_slotcon.py', './detcon_masks.py']
views = [_base_.view_pipeline1, _base_.view_pipeline2]
train_pipeline = [
    _base_.train_pipeline[0],
    dict(_base_.fh_mask_loader, image_folders=('train2017', 'unlabeled2017')),
    dict(_base_.detcon_views, transforms=views), _base_.view_masks,
    _base_.detcon_pack
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
