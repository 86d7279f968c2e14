# DeCon on VICRegL (our extension): VICRegL's COCO recipe (vicregl/coco.py)
# + the FPN decoder; P2 gets its own VICRegL head (projectors, location and
# feature matching on its 56 x 56 cells). No teacher, so no teacher decoder.
#   tools/dist_train.sh configs/decon/vicregl_coco.py 8
_base_ = ['../vicregl/coco.py', '../_base_/models/fpn_decoder.py']
model = dict(_base_.fpn_decoder)
