"""A real (short) DeCon demo run logs the training signals, and the probe
leaves its training unchanged."""
import os.path as osp
import re

import pytest
from helpers import REPO, run_tool

pytestmark = pytest.mark.usefixtures('one_thread')

FAST = [
    'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=0'
]


def _losses(log):
    """Every loss term of every logged iteration."""
    return [
        re.findall(r'(\w*loss\w*): ([\d.]+)', line)
        for line in re.findall(r'Iter\(train\) .*', log)
    ]


def test_decon_demo_logs_signals_and_probe_leaves_training_unchanged(run_dir):
    args = [
        'tools/train.py',
        osp.join(REPO, 'configs/decon/demo.py'), '--cfg-options',
        'train_cfg.max_iters=4', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=100', 'randomness.seed=0', *FAST
    ]
    on = run_tool(
        args + ['custom_hooks.1.interval=2', 'custom_hooks.2.interval=2'] +
        ['--work-dir', str(run_dir / 'on')],
        cwd=run_dir)
    for key in ('collapse_std_enc', 'collapse_std_enc_pix',
                'collapse_std_dec0', 'collapse_std_dec0_pix', 'probe/mIoU',
                'probe/aAcc'):
        values = re.findall(rf'\b{re.escape(key)}: ([\d.]+)', on)
        assert values, key
        assert all(0 <= float(v) <= 100 for v in values), key
    assert '1/sqrt(d)=0.1250' in on  # the normaliser, d = 64, once
    assert on.count('1/sqrt(d)=') == 2  # enc and dec0, in one line
    assert len(re.findall(r'DenseProbeHook \(iter [24],', on)) == 2
    std = [float(v) for v in re.findall(r'collapse_std_dec0: ([\d.]+)', on)]
    assert all(0 < v < 0.2 for v in std)

    off = run_tool(
        args +
        ['custom_hooks.1.interval=1000', 'custom_hooks.2.interval=1000'] +
        ['--work-dir', str(run_dir / 'off')],
        cwd=run_dir)
    assert 'probe/mIoU' not in off and 'collapse_std' not in off
    losses_on, losses_off = _losses(on), _losses(off)
    assert len(losses_on) == 4
    assert losses_on == losses_off
