# DeCon on PixPro (our extension): PixPro's COCO recipe (pixpro/coco.py) +
# the FPN decoder; the decoder level gets its own PixPro head (projector,
# propagation, EMA teacher projector).
#   tools/dist_train.sh configs/decon/pixpro_coco.py 8
_base_ = ['../pixpro/coco.py', '../_base_/models/fpn_decoder.py']
# The decoder head runs on P2 average-pooled to 28 x 28 (stride 8): on all
# 56 x 56 P2 locations each pairwise (images x 3136 x 3136) tensor of the
# propagation and the loss takes 5.0 GB in fp32 at 128 images per GPU, and
# the step holds about ten; at 28 x 28 one takes 0.31 GB.
model = dict(_base_.fpn_decoder, decoder_head=dict(dense_grid=28))
