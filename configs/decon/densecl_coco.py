# DeCon on DenseCL (our extension): DenseCL's recipe on COCO + the FPN
# decoder; the decoder level gets its own DenseCL head (projector, queues).
_base_ = ['../densecl/coco.py', '../_base_/models/fpn_decoder.py']
model = _base_.fpn_decoder
