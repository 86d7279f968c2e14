# DeCon with channel dropout 0.5 on the FPN's res2-res4 lateral features
# (the co-author's follow-up recipe); pre-training only, student only.
_base_ = './coco.py'
model = dict(channel_dropout=0.5)
