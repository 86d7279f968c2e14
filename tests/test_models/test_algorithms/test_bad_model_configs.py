"""One clear line for each bad model config or input: DeCon's settings and
crops too small for DenseCL's dense loss."""
import os.path as osp

import pytest
import torch
from helpers import REPO
from mmengine.config import Config


# ----------------------------------------------------------- bad input
def _decon(**kwargs):
    from mmdense.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, 'configs/decon/demo.py')).model
    cfg.update(kwargs)
    return MODELS.build(cfg)


@pytest.mark.parametrize(
    'kwargs,message', [
        (dict(encoder_loss_weight=1.0),
         r'DeCon: encoder_loss_weight=1.0 must be in \[0, 1\); with w = 1'),
        (dict(encoder_loss_weight=-0.1),
         r'DeCon: encoder_loss_weight=-0.1 must be in \[0, 1\)'),
        (dict(levels='all'), r"DeCon: levels must be 'single' or 'multi', "
         r"got 'all'"),
        (dict(decoder=dict(type='UNet')),
         r"DeCon: decoder.type 'UNet' is not a registered model; use "
         r"type='mmdet.FPN'"),
    ],
    ids=['w=1', 'w<0', 'levels', 'decoder'])
def test_decon_bad_config_is_one_clear_line(kwargs, message):
    with pytest.raises(ValueError, match=message) as err:
        _decon(**kwargs)
    assert '\n' not in str(err.value)


def test_crops_too_small_for_the_stride():
    """32 px crops give ResNet a 1x1 C5 map: nothing dense to contrast."""
    from mmdense.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, 'configs/densecl/demo.py')).model
    cfg.backbone.base_channels = 16
    cfg.head.update(
        in_channels=128, hid_channels=32, out_channels=16, queue_len=16)
    model = MODELS.build(cfg)
    img = torch.randn(2, 3, 32, 32)
    with pytest.raises(ValueError) as err:
        model.loss([img, img], [])
    assert str(err.value) == (
        'DenseCLHead: the C5 feature map is 1x1 for 32x32-px views (stride '
        '32); its loss needs at least 2x2 locations: use crops of at least '
        '64 px (the crop size / scale of the view pipeline).')
    img = torch.randn(2, 3, 64, 64)  # 2x2: fine
    assert set(model.loss([img, img], [])) == {'loss_global', 'loss_dense'}
