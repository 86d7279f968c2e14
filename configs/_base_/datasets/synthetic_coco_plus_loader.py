# The demos' loader over the synthetic COCO+ (train2017 + unlabeled2017 of
# tools/dataset_converters/make_synthetic.py): batch 8, endless sampler.
# Children set `train_dataloader = dict(synthetic_loader, dataset=dict(
# synthetic_loader['dataset'], pipeline=...))`.
_base_ = ['./coco_plus.py']
synthetic_loader = dict(
    batch_size=8,
    num_workers=2,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        data_root='data/synthetic/coco/',
        ann_file='',
        sources=_base_.coco_plus_sources))
