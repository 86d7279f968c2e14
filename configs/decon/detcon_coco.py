# DeCon on DetCon (our extension): DetCon's COCO recipe (detcon/coco.py) +
# the FPN decoder; P2 gets its own DetCon head (projector, predictor, EMA
# target projector), the FH masks reduced to P2's 56 x 56 grid by majority.
#   tools/dist_train.sh configs/decon/detcon_coco.py 8
_base_ = ['../detcon/coco.py', '../_base_/models/fpn_decoder.py']
model = dict(_base_.fpn_decoder)
