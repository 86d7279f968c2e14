# DeCon on ImageNet-1K: SlotCon's ImageNet recipe (K = 2048) + the FPN decoder.
_base_ = ['../slotcon/imagenet.py', '../_base_/models/fpn_decoder.py']
model = _base_.fpn_decoder
