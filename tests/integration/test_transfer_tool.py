"""tools/transfer.py on the synthetic data: real fine-tuning runs, real
metrics, four result files, resumable and additive."""
import json
import os.path as osp

from helpers import REPO, run_tool

SEG = osp.join(
    REPO, 'configs/benchmarks/synthetic/'
    'fcn-d6_r18-d16_synthetic-voc12aug.py')
TINY = ['--cfg-options', 'train_cfg.max_iters=3', 'train_cfg.val_interval=3']


def test_transfer_table_random_vs_decon(run_dir):
    # a real DeCon (FCN decoder) pre-training checkpoint
    run_tool([
        'tools/train.py',
        osp.join(REPO, 'configs/decon/demo_fcn.py'), '--work-dir', 'pre',
        '--cfg-options', 'train_cfg.max_iters=2',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=0'
    ],
             cwd=run_dir)
    out = run_tool([
        'tools/transfer.py', '--random-init', '--benchmarks', SEG, '--seeds',
        '0', '1', *TINY
    ],
                   cwd=run_dir)
    assert 'random' in out
    out = run_tool([
        'tools/transfer.py', '--checkpoint', 'pre/iter_2.pth', '--name',
        'decon', '--benchmarks', SEG, *TINY
    ],
                   cwd=run_dir)
    work = run_dir / 'work_dirs' / 'transfer'
    for ext in ('md', 'csv', 'json', 'png'):
        assert (work / f'results.{ext}').stat().st_size > 0
    log = (work / 'runs' / 'decon' / 'fcn-d6_r18-d16_synthetic-voc12aug' /
           'seed0' / 'train.log').read_text()
    # the decoder transferred: 2 convs x (weight + 5 BN tensors)
    assert 'backbone 120/120 tensors, decode_head.convs 12/12 tensors' in log
    summary = json.loads((work / 'results.json').read_text())['summary']
    rows = {(r['name'], r['metric']): r for r in summary}
    assert rows[('random', 'mIoU')]['n'] == 2
    assert rows[('random', 'mIoU')]['seeds'] == [0, 1]
    assert rows[('decon', 'mIoU')]['n'] == 1
    assert 0 <= rows[('decon', 'mIoU')]['mean'] <= 100
    # one seed: no spread (the sample std of one value is undefined)
    assert rows[('decon', 'mIoU')]['std'] is None
    assert rows[('random', 'mIoU')]['std'] is not None
    table = (work / 'results.md').read_text()
    assert '| random |' in table and '| decon |' in table
    decon_row = next(line for line in table.splitlines()
                     if line.startswith('| decon |'))
    assert '±' not in decon_row and '(n=1)' in decon_row
    weights = rows[('decon', 'mIoU')]['weights']
    assert len(weights) == 1 and '(sha256 ' in weights[0]
    assert f'- decon / fcn-d6_r18-d16_synthetic-voc12aug: {weights[0]}' \
        in table
    csv_rows = (work / 'results.csv').read_text().splitlines()
    decon_csv = next(line for line in csv_rows if line.startswith('decon,'))
    assert ',mIoU,' in decon_csv and ',,1,' in decon_csv  # empty std, n 1
    # other weights under the same --name are refused, before any run
    import torch
    exported = weights[0].split(' (sha256')[0]
    other = torch.load(exported, weights_only=True)
    other['state_dict']['backbone.conv1.weight'] += 1
    from mmdense.utils import save_checkpoint_file  # re-sealed: valid
    save_checkpoint_file(other, str(run_dir / 'other.pth'))
    import subprocess
    import sys
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools/transfer.py'), '--checkpoint', 'other.pth',
        '--name', 'decon', '--benchmarks', SEG, *TINY
    ],
                          cwd=run_dir,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0
    assert '--name decon already holds runs fine-tuned from' in proc.stderr
    assert '--allow-mixed-weights' in proc.stderr
    # re-running skips finished runs and keeps both rows
    again = run_tool([
        'tools/transfer.py', '--random-init', '--benchmarks', SEG, '--seeds',
        '0', '1', *TINY
    ],
                     cwd=run_dir)
    assert again.count('done, skipped') == 2
    assert '| decon |' in (work / 'results.md').read_text()

    # frozen-feature probes of the same weights (tools/analysis_tools/
    # dense_probe.py, no fine-tuning): C5 and the DeCon FCN decoder
    run_tool([
        'tools/transfer.py', '--checkpoint', 'pre/iter_2.pth', '--name',
        'decon', '--suite', 'synthetic-probe', 'synthetic-probe-dec'
    ],
             cwd=run_dir)
    probes = work / 'runs' / 'decon'
    enc = (probes / 'probe_r18-d16_synthetic-voc12aug' / 'seed0' / 'probe' /
           'probe.log').read_text()
    dec = (probes / 'probe-dec_r18-d16_synthetic-voc12aug' / 'seed0' /
           'probe' / 'probe.log').read_text()
    assert 'backbone 120/120 tensors' in enc and 'probe (backbone)' in enc
    assert 'decode_head.convs 12/12 tensors' in dec
    assert 'probe (decoder)' in dec
    # the probe columns join the table (collected again, nothing run)
    out = run_tool(['tools/transfer.py', '--collect-only'], cwd=run_dir)
    assert 'probe_r18-d16_synthetic-voc12aug' in out
    assert 'probe-dec_r18-d16_synthetic-voc12aug' in out
    # encoder-only weights have no decoder: the decoder probe refuses them
    # rather than probing random convs
    enc_only = run_dir / 'enc_only.pth'
    save_checkpoint_file(
        dict(
            state_dict={
                k: v
                for k, v in other['state_dict'].items()
                if k.startswith('backbone.')
            }), str(enc_only))
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools/transfer.py'), '--checkpoint',
        str(enc_only), '--name', 'enc', '--suite', 'synthetic-probe-dec'
    ],
                          cwd=run_dir,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode != 0
    log = (work / 'runs' / 'enc' / 'probe-dec_r18-d16_synthetic-voc12aug' /
           'seed0' / 'train.log').read_text()
    assert 'the checkpoint has no key starting with "decode_head.convs."' \
        in log


def test_train_fraction_uses_a_fixed_subset(run_dir):
    run_tool([
        'tools/transfer.py', '--random-init', '--benchmarks', SEG,
        '--train-fraction', '0.25', *TINY
    ],
             cwd=run_dir)
    cfg = (run_dir / 'work_dirs' / 'transfer' / 'runs' / 'random@0.25' /
           'fcn-d6_r18-d16_synthetic-voc12aug' / 'seed0' /
           'config.py').read_text()
    assert 'mmdense.datasets.SubsetDataset' in cfg
    from mmdense.datasets import SubsetDataset

    class Ten:
        metainfo = {}

        def __len__(self):
            return 10

        def __getitem__(self, i):
            return i

    a, b = SubsetDataset(Ten(), 0.3), SubsetDataset(Ten(), 0.3)
    assert len(a) == 3 and a.indices == b.indices
    assert [a[i] for i in range(3)] == a.indices
