# NSP-style patch pairs (BERT's next-sentence prediction as an image pretext)
# on COCO train2017, ResNet-50: two patches of context prediction's 3x3 grid
# (96 px cells, gap 48, jitter 7, colour-channel dropping) that are grid
# neighbours of one image (label 1) or, with probability 0.5, whose second
# patch comes from another image of the batch (label 0); 2-way classifier.
# adjacent_negatives='far' (same image, not neighbours) or 'both' are the
# options. Schedule as configs/relative_loc/coco.py. docs/other_pretexts.md
#   tools/dist_train.sh configs/patch_adjacent/coco.py 8
_base_ = ['../relative_loc/coco.py']
model = dict(head=dict(num_classes=2))
pair_sampler = dict(
    _base_.pair_sampler,
    task='adjacent',
    negative_prob=0.5,
    adjacent_negatives='other_image')
train_pipeline = [
    *_base_.train_pipeline[:-2], pair_sampler, _base_.train_pipeline[-1]
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
