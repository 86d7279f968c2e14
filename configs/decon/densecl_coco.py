# DeCon on DenseCL (our extension): DenseCL's recipe on COCO + the FPN
# decoder; the decoder level gets its own DenseCL head (projector, queues).
_base_ = ['../densecl/coco.py', '../_base_/models/fpn_decoder.py']
# The decoder heads' dense term runs on P2 average-pooled to 14 x 14 (stride
# 16): on all 56 x 56 P2 locations its logits alone (3136 locations x 32
# images x 65537 keys, fp32) would take 26 GB per GPU; on 14 x 14 they take
# 1.6 GB (docs/dense_methods.md).  The global term is unchanged.
model = dict(_base_.fpn_decoder, decoder_head=dict(dense_grid=14))
