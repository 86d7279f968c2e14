# ADE20K segmentation, SlotCon's and DeCon's protocol: CVMI-Lab/SlotCon
# transfer/segmentation/configs/ade20k/fcn_r50-d8_512x512_80k_ade20k.py with
# _base_/models/fcn_r50-d8.py, datasets/ade20k.py, schedules/schedule_80k.py
# (the DeCon authors' copy is identical); 4 GPUs x 4 = 16 (SlotCon README).
# mmseg's FCN R50-D8 with a plain ResNet stem (their `type='ResNet'`), aux
# head, 512x512 crops, PhotoMetricDistortion, cat_max_ratio 0.75, standard
# mean/std, SGD 0.01 / wd 5e-4, poly 0.9 to 1e-4, 80k iterations,
# whole-image test at (2048, 512), mIoU every 8k. One correction to mmseg
# 1.x's stock translation: PolyLR end = max_iters + 1 (mmengine divides by
# end - begin - 1, mmcv's poly by max_iters), so the lr equals mmcv's.
# A DeCon FCN decoder pre-trained as 512 channels / dilation 1
# (configs/decon/coco_fcn-ade20k.py) loads into `decode_head.convs`.
_base_ = ['mmseg::fcn/fcn_r50-d8_4xb4-80k_ade20k-512x512.py', './_ssl_fcn.py']
model = _base_.ssl_fcn_model
max_iters = 80000
param_scheduler = [dict(_base_.mmcv_poly, end=max_iters + 1)]
# the published total batch (4 GPUs x 4); tools/train.py --auto-scale-lr
# scales the lr from it when run with another total (off by default)
auto_scale_lr = dict(base_batch_size=16)
# the published GPU count (tools/transfer.py launches this many processes)
gpus = 4
