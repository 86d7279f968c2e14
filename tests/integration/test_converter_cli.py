"""The converter scripts run as a user runs them:
tools/model_converters/import_official.py and export_weights.py on a fake
SlotCon checkpoint, extract_transfer_weights.py on a DeCon demo run."""
import argparse
import os
import os.path as osp
import pickle

import numpy as np
import torch
from helpers import REPO, converter_tool, run_tool, slotcon_obj


def test_cli_import_and_export(tmp_path, capsys):
    obj, _, teacher = slotcon_obj(args=argparse.Namespace(arch='resnet18'))
    torch.save(obj, tmp_path / 'slotcon_full.pth')
    importer, exporter = converter_tool('import_official'), converter_tool(
        'export_weights')
    src, dst = str(tmp_path / 'slotcon_full.pth'), str(tmp_path / 'imp.pth')
    assert importer.main([src, dst]) == 1
    err = capsys.readouterr().err
    assert '--trust' in err and 'argparse.Namespace' in err
    assert not os.path.exists(dst)
    # the script itself, as a user runs it
    out = run_tool([
        'tools/model_converters/import_official.py', 'slotcon_full.pth',
        'imp.pth', '--trust'
    ],
                   cwd=tmp_path)
    assert 'slotcon' in out and 'default teacher' in out
    assert exporter.main(
        [dst, str(tmp_path / 'r18.pkl'), '--format', 'detectron2']) == 0
    out = capsys.readouterr().out
    assert 'ResNet-18' in out and 'teacher' in out
    with open(tmp_path / 'r18.pkl', 'rb') as f:
        d2 = pickle.load(f)['model']
    np.testing.assert_array_equal(d2['res5.1.conv2.norm.running_var'],
                                  teacher['layer4.1.bn2.running_var'].numpy())
    assert 'res2.0.shortcut.weight' not in d2  # basic blocks: no shortcut
    assert 'res3.0.shortcut.weight' in d2


def test_exporter_cli_writes_weights_only_file(run_dir):
    work = str(run_dir / 'work')
    run_tool([
        'tools/train.py',
        osp.join(REPO,
                 'configs/decon/demo.py'), '--work-dir', work, '--cfg-options',
        'train_cfg.max_iters=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=0'
    ],
             cwd=run_dir)
    out = str(run_dir / 'export.pth')
    log = run_tool([
        'tools/model_converters/extract_transfer_weights.py',
        osp.join(work, 'iter_2.pth'), out
    ],
                   cwd=run_dir)
    assert "groups ['backbone', 'neck']" in log
    exported = torch.load(out, weights_only=True)  # plain tensors
    assert exported['meta']['source'] == 'teacher'
    assert 'neck.lateral_convs.0.conv.weight' in exported['state_dict']
