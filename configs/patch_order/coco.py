# SOP-style patch pairs (ALBERT's sentence-order prediction as an image
# pretext) on COCO train2017, ResNet-50: two horizontally or vertically
# adjacent cells of context prediction's 3x3 grid (96 px, gap 48, jitter 7,
# colour-channel dropping) in reading order (label 1) or swapped (label 0,
# probability 0.5); 2-way classifier. Schedule as configs/relative_loc/coco.py.
# docs/other_pretexts.md
#   tools/dist_train.sh configs/patch_order/coco.py 8
_base_ = ['../relative_loc/coco.py']
model = dict(head=dict(num_classes=2))
pair_sampler = dict(_base_.pair_sampler, task='order', negative_prob=0.5)
train_pipeline = [
    *_base_.train_pipeline[:-2], pair_sampler, _base_.train_pipeline[-1]
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
