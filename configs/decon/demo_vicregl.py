# DeCon on VICRegL with the FPN decoder, synthetic data, CPU.
_base_ = ['../vicregl/demo.py', '../_base_/models/fpn_decoder.py']
model = dict(_base_.fpn_decoder_r18)
# the probe reads the decoder's P2
custom_hooks = [
    _base_.transfer_meta_hook, _base_.collapse_monitor_hook,
    dict(_base_.dense_probe_hook, level='dec0')
]
