"""tools/transfer.py on the synthetic data: real fine-tuning runs, real
metrics, four result files, resumable and additive."""
import json
import os.path as osp

from conftest import REPO, run_tool

SEG = osp.join(REPO, 'configs/benchmarks/synthetic/'
               'fcn-d6_r18-d16_synthetic-voc12aug.py')
TINY = ['--cfg-options', 'train_cfg.max_iters=3', 'train_cfg.val_interval=3']


def test_transfer_table_random_vs_decon(run_dir):
    # a real DeCon (FCN decoder) pre-training checkpoint
    run_tool(['tools/train.py', osp.join(REPO, 'configs/decon/demo_fcn.py'),
              '--work-dir', 'pre', '--cfg-options', 'train_cfg.max_iters=2',
              'train_dataloader.num_workers=0',
              'train_dataloader.persistent_workers=0'], cwd=run_dir)
    out = run_tool(['tools/transfer.py', '--random-init', '--benchmarks',
                    SEG, '--seeds', '0', '1', *TINY], cwd=run_dir)
    assert 'random' in out
    out = run_tool(['tools/transfer.py', '--checkpoint', 'pre/iter_2.pth',
                    '--name', 'decon', '--benchmarks', SEG, *TINY],
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
    table = (work / 'results.md').read_text()
    assert '| random |' in table and '| decon |' in table
    # re-running skips finished runs and keeps both rows
    again = run_tool(['tools/transfer.py', '--random-init', '--benchmarks',
                      SEG, '--seeds', '0', '1', *TINY], cwd=run_dir)
    assert again.count('done, skipped') == 2
    assert '| decon |' in (work / 'results.md').read_text()


def test_train_fraction_uses_a_fixed_subset(run_dir):
    run_tool(['tools/transfer.py', '--random-init', '--benchmarks', SEG,
              '--train-fraction', '0.25', *TINY], cwd=run_dir)
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
