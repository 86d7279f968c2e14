"""The demo configs turn the training signals on, the paper configs do not."""
import os.path as osp

import pytest
from helpers import REPO
from mmengine.config import Config

from mmdense.registry import HOOKS

pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.mark.parametrize('method', ['densecl', 'slotcon', 'decon'])
def test_demos_turn_the_signals_on_paper_configs_do_not(method):
    demo = Config.fromfile(osp.join(REPO, f'configs/{method}/demo.py'))
    assert [h['type'] for h in demo.custom_hooks
            ] == ['TransferMetaHook', 'CollapseMonitorHook', 'DenseProbeHook']
    for cfg in demo.custom_hooks:
        HOOKS.build(cfg)
    paper = Config.fromfile(osp.join(REPO, f'configs/{method}/coco.py'))
    assert [h['type'] for h in paper.custom_hooks] == ['TransferMetaHook']
