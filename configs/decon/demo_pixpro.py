# DeCon on PixPro with the FPN decoder, synthetic data, CPU.
_base_ = ['../pixpro/demo.py', '../_base_/models/fpn_decoder.py']
model = dict(
    _base_.fpn_decoder_r18,
    # pixpro_coco.py's stride-8 grid for the decoder head: 64 px -> 8 x 8
    decoder_head=dict(dense_grid=8))
# the probe reads the decoder's P2
custom_hooks = [
    _base_.transfer_meta_hook, _base_.collapse_monitor_hook,
    dict(_base_.dense_probe_hook, level='dec0')
]
