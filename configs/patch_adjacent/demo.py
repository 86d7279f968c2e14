# NSP-style patch pairs on the synthetic COCO+ for CPU: configs/relative_loc/
# demo.py (ResNet-18, 16 px patches 8 px apart, jitter 2, colour-channel
# dropping, batch 8) with task='adjacent' and a 2-way classifier.
_base_ = ['../relative_loc/demo.py']
model = dict(head=dict(num_classes=2))
train_pipeline = [
    _base_.train_pipeline[0],
    dict(
        _base_.train_pipeline[1],
        task='adjacent',
        negative_prob=0.5,
        adjacent_negatives='other_image'),
    _base_.train_pipeline[2],
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
