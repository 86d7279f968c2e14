"""Every config of the tree parses, builds its model, and loads nothing from
the internet."""
import glob
import os.path as osp
import re

import pytest
from helpers import REPO
from mmengine.config import Config
from mmengine.registry import DefaultScope

CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs/**/*.py'), recursive=True)
    if '_base_' not in p and not osp.basename(p).startswith('_'))


def test_the_tree_has_the_promised_configs():
    for name in ('decon/coco.py', 'decon/coco_multi-level.py',
                 'decon/coco_channel-dropout.py', 'decon/coco_fcn.py',
                 'decon/coco_fcn-ade20k.py', 'decon/cocoplus.py',
                 'decon/imagenet.py', 'decon/densecl_coco.py', 'decon/demo.py',
                 'slotcon/coco.py', 'slotcon/imagenet.py', 'slotcon/demo.py',
                 'densecl/coco.py', 'densecl/imagenet.py', 'densecl/demo.py',
                 'pixpro/imagenet.py', 'pixpro/imagenet_400e.py',
                 'pixpro/coco.py', 'pixpro/demo.py', 'decon/pixpro_coco.py',
                 'decon/demo_pixpro.py', 'detcon/imagenet.py',
                 'detcon/imagenet_100e.py', 'detcon/coco.py', 'detcon/demo.py',
                 'decon/detcon_coco.py', 'decon/demo_detcon.py',
                 'vicregl/imagenet.py', 'vicregl/imagenet_300e.py',
                 'vicregl/imagenet_alpha0.9.py', 'vicregl/coco.py',
                 'vicregl/demo.py', 'decon/vicregl_coco.py',
                 'decon/demo_vicregl.py'):
        assert f'configs/{name}' in CONFIGS, name


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_without_downloads(path):
    cfg = Config.fromfile(osp.join(REPO, path))
    assert not re.search(r'(torchvision|open-mmlab)://', cfg.pretty_text)
    scope = cfg.get('default_scope', 'mmdense')
    registry = __import__(f'{scope}.registry', fromlist=['MODELS']).MODELS
    with DefaultScope.overwrite_default_scope(scope):
        model = registry.build(cfg.model)
    if scope == 'mmdense':
        assert cfg.train_dataloader.dataset is not None
        assert 'backbone.conv1.weight' in model.state_dict()
