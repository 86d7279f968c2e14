"""Fixtures of the whole suite.  This file (no ``__init__.py`` beside it)
also puts tests/ on ``sys.path``, so that every test module can import
``helpers``."""
import os
from types import SimpleNamespace

import pytest
import torch
from helpers import C4_CONFIG, load_config, randomize_
from mmengine.registry import DefaultScope


@pytest.fixture(autouse=True)
def mmdense_scope():
    """Every test starts in the mmdense scope (a test that builds mmdet or
    mmseg models may leave their scope as the current one)."""
    from mmdense.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmdense'):
        yield


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory):
    """All synthetic formats, generated once per test session."""
    from mmdense.datasets import make_synthetic_datasets
    root = str(tmp_path_factory.mktemp('synthetic'))
    make_synthetic_datasets(
        root, num_train=8, num_val=4, num_unlabeled=8, seed=0)
    # DetCon's FH masks of the COCO+ images (make_fh_masks.py)
    from mmdense.datasets import write_fh_masks
    write_fh_masks(f'{root}/coco', ('train2017', 'unlabeled2017'))
    return root


@pytest.fixture()
def run_dir(tmp_path, synthetic_root):
    """A working directory whose ``data/synthetic`` is the synthetic root, so
    configs with their default ``data_root`` run unchanged."""
    os.makedirs(tmp_path / 'data')
    os.symlink(synthetic_root, tmp_path / 'data' / 'synthetic')
    return tmp_path


@pytest.fixture()
def one_thread(monkeypatch):
    """One intra-op thread in the test and in the training subprocesses it
    starts: on a shared 2-core machine OpenMP's spin-waiting makes 2 threads
    2-4x slower (the results are the same)."""
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _build_decon():
    from mmdense.registry import MODELS
    return MODELS.build(
        dict(
            type='DeCon',
            backbone=dict(type='ResNet', depth=50, out_indices=(0, 1, 2, 3)),
            head=dict(
                type='SlotConHead',
                in_channels=2048,
                num_prototypes=4,
                hid_channels=8,
                out_channels=4),
            decoder=dict(
                type='mmdet.FPN',
                in_channels=[256, 512, 1024, 2048],
                out_channels=256,
                num_outs=4,
                norm_cfg=dict(type='BN', requires_grad=True))))


@pytest.fixture(scope='module')
def decon(tmp_path_factory):
    """A DeCon (SlotCon + BN FPN) ResNet-50 pre-training checkpoint, written
    as the Runner would (state_dict + meta['transfer'])."""
    from mmdense.engine import TransferMetaHook

    # a module fixture runs before the per-test mmdense_scope fixture
    with DefaultScope.overwrite_default_scope('mmdense'):
        model = _build_decon()
    randomize_(model.teacher_backbone, 1)  # the student keeps its init
    randomize_(model.teacher_decoder, 3)
    ckpt = dict(state_dict=model.state_dict(), meta={})
    TransferMetaHook().before_save_checkpoint(
        SimpleNamespace(model=model), ckpt)
    path = str(tmp_path_factory.mktemp('decon') / 'iter_1.pth')
    torch.save(ckpt, path)
    return path, ckpt, model


@pytest.fixture(scope='module')
def c4_detector():
    """The C4 benchmark model as the config builds it (mmdet scope), with
    8 sampled ROIs per image instead of 512 to keep CPU forwards short."""
    cfg = load_config(C4_CONFIG)
    cfg.model.train_cfg.rpn_proposal.max_per_img = 64
    cfg.model.train_cfg.rcnn.sampler.num = 8
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
    return model
