"""tools/transfer.py in-process: a benchmark's published GPU count sets the
processes of its runs."""
import os.path as osp

from helpers import REPO

SEG = osp.join(
    REPO, 'configs/benchmarks/synthetic/'
    'fcn-d6_r18-d16_synthetic-voc12aug.py')


def test_runs_use_the_published_gpu_count(capsys):
    """A benchmark's `gpus` sets the processes of its runs (with its per-GPU
    batch, the published total batch); another --gpus is said."""
    import importlib.util

    from mmengine.config import Config
    spec = importlib.util.spec_from_file_location(
        'transfer_tool', osp.join(REPO, 'tools/transfer.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    voc = ('configs/benchmarks/mmseg/'
           'fcn-d6_r50-d16_2xb8-30k_voc12aug-513x513.py')
    cfg = Config.fromfile(osp.join(REPO, voc))
    assert cfg.gpus * cfg.train_dataloader.batch_size == 16  # SlotCon's
    assert tool.run_gpus(cfg, None, voc) == 2
    assert capsys.readouterr().out == ''
    assert tool.run_gpus(cfg, 8, voc) == 8
    said = capsys.readouterr().out
    assert '8 processes x 8 = 64 images per step, the protocol has 2 x 8 ' \
        '= 16' in said
    synthetic = Config.fromfile(osp.join(REPO, SEG))
    assert tool.run_gpus(synthetic, None, SEG) == 1
