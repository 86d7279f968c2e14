"""tools/analysis_tools: the pre-training benchmark and the dense
visualiser, end to end on the CPU demo configs."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from helpers import REPO, run_tool

BENCH = 'tools/analysis_tools/benchmark_pretrain.py'
VIS = 'tools/analysis_tools/visualize_dense.py'
DENSECL = osp.join(REPO, 'configs/densecl/demo.py')
DECON = osp.join(REPO, 'configs/decon/demo.py')


def _resnet_macs(depth, size):
    from mmpretrain.models import ResNet
    from torch.utils.flop_counter import FlopCounterMode
    net = ResNet(depth=depth, out_indices=(0, 1, 2, 3))
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        net(torch.zeros(1, 3, size, size))
    return counter.get_total_flops() // 2


def test_benchmark_demo_configs(tmp_path):
    out = tmp_path / 'bench.json'
    log = run_tool([
        BENCH, DENSECL, DECON, '--device', 'cpu', '--batch', '4', '--size',
        '64', '--iters', '1', '--warmup', '1', '--out',
        str(out)
    ],
                   cwd=tmp_path)
    assert '| config | model | s/iter (median) |' in log
    assert 'GMAC per image' in log and 'efficiency (time/MAC)' in log
    results = json.loads(out.read_text())['results']
    assert [r['config'] for r in results] == [DENSECL, DECON]
    for r in results:
        assert r['ok'] and r['s_per_iter'] > 0 and r['images_per_s'] > 0
        assert r['peak_mem_mib'] > 0
        assert abs(r['images_per_s'] * r['s_per_iter'] - 4) < 1e-6
    densecl, decon = results
    assert densecl['time_ratio'] == 1.0 and densecl['mac_ratio'] == 1.0
    assert decon['time_ratio'] > 0 and decon['mac_ratio'] > 1
    assert decon['efficiency'] == pytest.approx(decon['time_ratio'] /
                                                decon['mac_ratio'])

    assert set(densecl['gmac_per_image']) == {'backbone', 'head', 'other'}
    assert set(decon['gmac_per_image']) == {
        'backbone', 'decoder', 'head:enc', 'head:dec0', 'other'
    }
    assert all(decon['gmac_per_image'][p] > 0
               for p in ('backbone', 'decoder', 'head:enc', 'head:dec0'))
    assert sum(decon['gmac_per_image'].values()) == pytest.approx(
        decon['total_gmac_per_image'])

    # independent counts, per image
    from mmengine.config import Config
    densecl_cfg = Config.fromfile(DENSECL).model
    decon_cfg = Config.fromfile(DECON).model
    assert densecl_cfg.backbone.depth == decon_cfg.backbone.depth == 18
    r18 = _resnet_macs(18, 64)
    # DenseCL: student on view 1, teacher on view 2; SlotCon-based DeCon:
    # student and teacher on both views
    assert densecl['gmac_per_image']['backbone'] * 1e9 == pytest.approx(
        2 * r18, rel=1e-9)
    assert decon['gmac_per_image']['backbone'] * 1e9 == pytest.approx(
        4 * r18, rel=1e-9)
    # DenseCL demo head (C_in -> hid -> out, queues of length Q, C5 2x2 = 4
    # cells at 64 px): global fc-fc and dense conv1x1-conv1x1 projectors
    # (student + teacher), global and dense logits against the queues, the
    # 4x4 correspondence on the C5 features
    cfg = densecl_cfg.head
    cin, hid, dim, queue = (cfg.in_channels, cfg.hid_channels,
                            cfg.out_channels, cfg.queue_len)
    cells = 4
    projector = (1 + cells) * (cin * hid + hid * dim)
    head = (2 * projector + dim * queue + cells * dim * queue +
            cells * cells * cin)
    assert densecl['gmac_per_image']['head'] * 1e9 == pytest.approx(
        head, rel=1e-9)
    # DeCon dec0: the 1x1-conv projector C -> hid -> hid -> out on P2
    # (16x16 at 64 px) of both views, student and teacher, plus the grouping
    # and the predictor on a few slots
    c, hid, dim = (decon_cfg.decoder.out_channels, decon_cfg.head.hid_channels,
                   decon_cfg.head.out_channels)
    p2 = 4 * (c * hid + hid * hid + hid * dim) * 16 * 16
    assert p2 < decon['gmac_per_image']['head:dec0'] * 1e9 < 1.1 * p2


def test_visualize_decon_demo(tmp_path):
    from PIL import Image
    out = tmp_path / 'vis.png'
    log = run_tool([VIS, DECON, '--out', str(out)], cwd=tmp_path)
    assert 'levels: enc, dec0' in log
    img = Image.open(out)
    # three rows (the views, enc, dec0) of two 3-inch panels at 100 dpi
    assert img.mode == 'RGB' and img.size == (600, 900)
    pixels = np.asarray(img)
    assert pixels.shape == (900, 600, 3)
    assert pixels.std() > 10 and (pixels < 250).mean() > 0.2  # drawn on
