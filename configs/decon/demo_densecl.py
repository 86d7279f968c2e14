# DeCon on DenseCL with the FPN decoder, synthetic data, CPU.
_base_ = ['../densecl/demo.py', '../_base_/models/fpn_decoder.py']
model = dict(
    _base_.fpn_decoder_r18,
    # densecl_coco.py's stride-16 grid for the dense term: 64 px -> 4 x 4
    decoder_head=dict(dense_grid=4))
