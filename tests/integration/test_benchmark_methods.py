"""tools/analysis_tools/benchmark_methods.py end to end on a tiny budget (two
methods, random init, a positive control), and its reuse of finished runs."""
import csv
import json
import math

import pytest
import torch
from helpers import run_tool

TOOL = 'tools/analysis_tools/benchmark_methods.py'


@pytest.fixture(autouse=True)
def one_omp_thread(monkeypatch):
    """One intra-op thread in the training subprocesses (see the one_thread
    fixture of tests/conftest.py: spin-waiting on a shared 2-core
    machine)."""
    monkeypatch.setenv('OMP_NUM_THREADS', '1')


def _tiny_positive_control(path: str) -> None:
    """A supervised-style checkpoint: a ResNet-18 under ``backbone.`` and a
    segmentation head that must be left out."""
    from mmpretrain.models import ResNet

    from mmdense.utils import save_checkpoint_file
    torch.manual_seed(1)
    state = {
        f'backbone.{k}': v
        for k, v in ResNet(depth=18).state_dict().items()
    }
    state['decode_head.conv_seg.weight'] = torch.randn(150, 64, 1, 1)
    save_checkpoint_file(dict(state_dict=state, meta=dict(iter=1)), path)


def test_benchmark_end_to_end_and_resume(tmp_path):
    ckpt = str(tmp_path / 'supervised.pth')
    _tiny_positive_control(ckpt)
    args = [
        TOOL, '--iters', '2', '--methods', 'densecl', 'relative_loc',
        'patch_adjacent', '--work-dir', 'work', '--data-root', 'synthetic',
        '--num-train', '8', '--num-val', '8', '--num-unlabeled', '8',
        '--pretext-rounds', '1', '--positive-control', ckpt
    ]
    out = run_tool(args, cwd=tmp_path)
    work = tmp_path / 'work'
    for ext in ('md', 'csv', 'json', 'png'):
        assert (work / f'results.{ext}').is_file(), ext
    names = [
        'random init', 'positive control', 'densecl', 'relative_loc',
        'patch_adjacent'
    ]
    with open(work / 'results.json') as f:
        result = json.load(f)
    rows = {r['name']: r for r in result['rows']}
    assert [r['name'] for r in result['rows']] == names
    assert result['meta']['iters'] == 2
    for r in rows.values():
        for key in ('probe_miou_c5', 'crop_knn_top1', 'crop_linear_top1'):
            assert math.isfinite(r[key]) and 0 <= r[key] <= 100, (r, key)
    for name, chance in (('relative_loc', 12.5), ('patch_adjacent', 50)):
        assert rows[name]['pretext_chance'] == pytest.approx(chance)
        assert 0 <= rows[name]['pretext_acc'] <= 100
        assert rows[name]['pretext_samples'] == 8
    assert 'pretext_acc' not in rows['densecl']
    for name in ('densecl', 'relative_loc', 'patch_adjacent'):
        assert rows[name]['pretrain_wall_s'] > 0
        assert (work / 'pretrain' / name / 'iter_2.pth').is_file()
    with open(work / 'results.csv') as f:
        assert [r['name'] for r in csv.DictReader(f)] == names
    md = (work / 'results.md').read_text()
    assert '2 pre-training iterations' in md and 'CPU cores' in md
    for name in names:
        assert f'| {name} |' in md and f'| {name} |' in out
    # a second run reuses the finished pre-training runs
    again = run_tool(args, cwd=tmp_path)
    assert ': pre-training' not in again and again.count('reusing') == 3
    with open(work / 'results.json') as f:
        rerun = {r['name']: r for r in json.load(f)['rows']}
    for name in names:  # deterministic evaluation
        for key in ('probe_miou_c5', 'crop_knn_top1', 'crop_linear_top1',
                    'pretext_acc'):
            assert rerun[name].get(key) == rows[name].get(key), (name, key)
