"""The command-line tools end to end on the synthetic data (CPU)."""
import glob
import os.path as osp
import re

import pytest
import torch
from helpers import REPO, run_tool

from mmdense.utils import load_checkpoint_file

DEMO = osp.join(REPO, 'configs/densecl/demo.py')
FAST = [
    'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=0'
]


def _losses(log):
    return [
        float(v) for v in re.findall(r'Iter\(train\).*? loss: ([\d.]+)', log)
    ]


def _load(path):
    return load_checkpoint_file(path)


def test_train_demo_then_resume(run_dir):
    work = str(run_dir / 'work')
    log = run_tool([
        'tools/train.py', DEMO, '--work-dir', work, '--cfg-options',
        'train_cfg.max_iters=4', 'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1', *FAST
    ],
                   cwd=run_dir)
    losses = _losses(log)
    assert len(losses) == 4 and all(0 < v < 20 for v in losses)
    ckpt = _load(osp.join(work, 'iter_4.pth'))
    assert ckpt['meta']['iter'] == 4
    backbone = {k for k in ckpt['state_dict'] if k.startswith('backbone.')}
    assert 'backbone.conv1.weight' in backbone  # plain ResNet stem
    assert 'backbone.layer4.1.bn2.running_var' in backbone  # ResNet-18
    assert all(
        torch.isfinite(v).all() for v in ckpt['state_dict'].values()
        if v.is_floating_point())

    log = run_tool([
        'tools/train.py', DEMO, '--work-dir', work, '--resume',
        '--cfg-options', 'train_cfg.max_iters=6',
        'default_hooks.logger.interval=1', *FAST
    ],
                   cwd=run_dir)
    assert 'resumed epoch: 0, iter: 4' in log
    assert re.search(r'Iter\(train\) \[5/6\]', log)
    assert not re.search(r'Iter\(train\) \[1/6\]', log)
    assert _load(osp.join(work, 'iter_6.pth'))['meta']['iter'] == 6


def test_train_amp_on_cpu_uses_bf16_autocast(run_dir):
    work = str(run_dir / 'work')
    log = run_tool([
        'tools/train.py', DEMO, '--amp', '--work-dir', work, '--cfg-options',
        'train_cfg.max_iters=2', 'default_hooks.logger.interval=1', *FAST
    ],
                   cwd=run_dir)
    assert 'CPUAmpOptimWrapper (bf16 autocast on CPU)' in log
    assert len(_losses(log)) == 2


def test_train_amp_fp16_on_cpu_scales_the_loss(run_dir):
    work = str(run_dir / 'work')
    log = run_tool([
        'tools/train.py', DEMO, '--amp', 'fp16', '--work-dir', work,
        '--cfg-options', 'train_cfg.max_iters=2',
        'default_hooks.logger.interval=1', *FAST
    ],
                   cwd=run_dir)
    assert 'CPUAmpOptimWrapper (fp16 autocast on CPU, dynamic loss ' \
        'scaling)' in log
    assert len(_losses(log)) == 2
    state = _load(osp.join(work, 'iter_2.pth'))['optimizer']
    assert state['loss_scaler']['scale'] == 65536.0  # no overflow, no skip


@pytest.mark.parametrize('config', [DEMO, 'configs/decon/demo.py'])
def test_dist_train_two_cpu_processes(run_dir, config):
    # DenseCL: queues gathered, shuffle-BN; DeCon: SyncBN -> BN under gloo
    work = str(run_dir / 'work')
    log = run_tool([
        'tools/dist_train.sh',
        osp.join(REPO, config), '2', '--work-dir', work, '--cfg-options',
        'train_cfg.max_iters=4', 'default_hooks.logger.interval=1', *FAST
    ],
                   cwd=run_dir)
    assert 'Distributed training: True' in log
    assert 'CPUDistributedDataParallel' in log
    assert len(_losses(log)) == 4  # rank 0 logs
    assert osp.isfile(osp.join(work, 'iter_4.pth'))


def test_mmdet_mask_rcnn_smoke_train_eval_and_test(run_dir):
    cfg = osp.join(REPO, 'configs/smoke/mask-rcnn_r50_fpn_synthetic-coco.py')
    work = str(run_dir / 'work')
    log = run_tool(['tools/train.py', cfg, '--work-dir', work], cwd=run_dir)
    for key in ('loss_rpn_cls', 'loss_cls', 'loss_mask'):
        assert key in log
    for key in ('coco/bbox_mAP', 'coco/segm_mAP'):
        assert re.search(key + r': [\d.]+', log), key
    out = run_tool([
        'tools/test.py', cfg,
        osp.join(work, 'iter_4.pth'), '--work-dir',
        str(run_dir / 'test')
    ],
                   cwd=run_dir)
    assert "'coco/bbox_mAP'" in out and "'coco/segm_mAP'" in out


def test_mmseg_fcn_smoke_two_processes_with_syncbn(run_dir):
    # mmseg's FCN base uses SyncBN: two gloo processes must revert it to BN
    cfg = osp.join(REPO, 'configs/smoke/fcn_r50-d8_synthetic-voc12aug.py')
    work = str(run_dir / 'work')
    log = run_tool(['tools/dist_train.sh', cfg, '2', '--work-dir', work],
                   cwd=run_dir)
    assert "norm_cfg=dict(requires_grad=True, type='SyncBN')" in log
    assert re.search(r'mIoU: [\d.]+', log)
    assert glob.glob(osp.join(work, 'iter_4.pth'))
