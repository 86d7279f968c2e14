# DetCon's pipeline pieces around the views: the FH mask loaded with the
# image (LoadFHMask: set image_folders), the two views with their geometry
# (set transforms), each view's mask cut from the geometry, and the packing
# of the geometry and view masks.
fh_mask_loader = dict(type='LoadFHMask', image_folders=('train2017', ))
detcon_views = dict(type='MultiViewWithGeometry', num_views=[1, 1])
view_masks = dict(type='ViewMasks')
detcon_pack = dict(
    type='PackInputs',
    meta_keys=('sample_idx', 'img_path', 'ori_shape', 'view_boxes',
               'view_flips', 'view_sizes', 'view_masks'))
