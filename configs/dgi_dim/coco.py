# Deep InfoMax with Deep Graph InfoMax's objective (Velickovic et al., ICLR
# 2019) on COCO train2017, ResNet-50: C5 locals against their summary
# sigmoid(mean of the locals) through a bilinear discriminator, BCE; the
# negatives are the locals the last stage computes from its input with the
# spatial positions shuffled (DGI's row-shuffle corruption; the conv grid,
# the graph, is kept). negatives='batch+shuffle' adds the other images'
# locals. Schedule and data as configs/dim/coco.py. docs/other_pretexts.md
#   tools/dist_train.sh configs/dgi_dim/coco.py 8
_base_ = ['../dim/coco.py']
model = dict(
    corrupt_stage=3,  # shuffle the input of ResNet's last stage (C4 grid)
    head=dict(
        _delete_=True,
        type='DGIHead',
        local_channels=2048,
        hid_channels=2048,
        out_channels=512,
        negatives='shuffle'))  # or 'batch+shuffle'
