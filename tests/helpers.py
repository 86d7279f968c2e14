"""Helpers shared by several test modules (imported as ``from helpers
import ...``, as conftest's names are): a free TCP port for 2-process gloo
tests, and the strict transfer check of a pre-trained backbone into the
synthetic downstream benchmarks."""
import os.path as osp
import socket
from types import SimpleNamespace

import torch
from conftest import REPO
from mmengine.config import Config
from mmengine.registry import DefaultScope

SYNTHETIC_BENCHMARKS = (
    'configs/benchmarks/synthetic/mask-rcnn_r18-fpn_synthetic-coco.py',
    'configs/benchmarks/synthetic/fcn-d6_r18-d16_synthetic-voc12aug.py',
)
_BENCHMARKS = {}


def free_port():
    """A TCP port on 127.0.0.1 that is free now (MASTER_PORT of a test)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def benchmark_model(config):
    """The downstream model of a synthetic benchmark config, built once per
    session in the config's own scope (mmdet / mmseg)."""
    if config not in _BENCHMARKS:
        cfg = Config.fromfile(osp.join(REPO, config))
        scope = cfg.default_scope
        registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
        with DefaultScope.overwrite_default_scope(scope):
            _BENCHMARKS[config] = registry.build(cfg.model)
    return _BENCHMARKS[config]


def assert_backbone_transfers(model, tmp_path):
    """Checkpoint as the Runner writes it (TransferMetaHook) -> exported
    weights (only ``backbone.*``) -> strict loading of every backbone
    tensor into each synthetic benchmark model."""
    from mmdense.engine import TransferMetaHook
    from mmdense.engine.pretrained import load_pretrained
    from mmdense.utils.transfer import extract_transfer_weights
    ckpt = dict(state_dict=model.state_dict(), meta={})
    TransferMetaHook().before_save_checkpoint(SimpleNamespace(model=model),
                                              ckpt)
    weights = extract_transfer_weights(ckpt)
    assert {k.split('.')[0] for k in weights} == {'backbone'}
    path = str(tmp_path / 'weights.pth')
    torch.save(dict(state_dict=weights), path)
    n = len(model.backbone.state_dict())
    for config in SYNTHETIC_BENCHMARKS:
        target = benchmark_model(config)
        report = load_pretrained(target, path, groups=('backbone', ))
        assert report == {'backbone': f'{n}/{n} tensors'}, config
        for name in ('conv1', 'layer4.1.conv2'):
            assert torch.equal(
                target.backbone.get_submodule(name).weight,
                model.backbone.get_submodule(name).weight), (config, name)
