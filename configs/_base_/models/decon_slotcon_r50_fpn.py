# DeCon on SlotCon with the Mask R-CNN FPN as decoder (DeCon-SL).
_base_ = ['./slotcon_r50.py', './fpn_decoder.py']
model = _base_.fpn_decoder
