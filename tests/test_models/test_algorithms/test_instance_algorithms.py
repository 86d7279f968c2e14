"""The instance-discrimination algorithms with stand-in networks: SimSiam's
and BYOL's losses, BYOL's target momentum, InstDisc's normalising constant,
SimSiam's fixed predictor lr."""
import math
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from helpers import REPO, cosine, unit
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper

from mmdense.registry import MODELS


class _Embed(nn.Module):
    """Test stand-in for backbone / neck / predictor: (N, D, 1, 1) or
    (N, D) -> a one-tuple (or list) of (N, D)."""

    def __init__(self, **kwargs):
        super().__init__()
        self.w = nn.Parameter(torch.ones(()))  # something to optimise

    def forward(self, x):
        x = x[0] if isinstance(x, (list, tuple)) else x
        return [self.w * x.flatten(1)]


MODELS.register_module(name='_TestEmbed', module=_Embed, force=True)
EMBED = dict(type='_TestEmbed')


def test_simsiam_and_byol_losses_with_identity_networks():
    v1 = torch.tensor([[1., 0.], [2., 1.]]).view(2, 2, 1, 1)
    v2 = torch.tensor([[1., 1.], [0., 1.]]).view(2, 2, 1, 1)
    cos = [cosine([1, 0], [1, 1]), cosine([2, 1], [0, 1])]
    head = dict(
        type='LatentPredictHead',
        predictor=EMBED,
        loss=dict(type='CosineSimilarityLoss'))
    simsiam = MODELS.build(
        dict(type='SimSiam', backbone=EMBED, neck=EMBED, head=head))
    got = float(simsiam.loss([v1, v2], None)['loss'])
    assert got == pytest.approx(-sum(cos) / 2)  # 0.5 (-mean cos) * 2
    byol = MODELS.build(
        dict(
            type='BYOL',
            backbone=EMBED,
            neck=EMBED,
            head=head,
            base_momentum=0.004))
    got = float(byol.loss([v1, v2], None)['loss'])
    paper = 2 * sum(2 - 2 * c for c in cos) / 2  # both directions, mean
    assert got == pytest.approx(paper - 4)


def test_byol_target_momentum_is_the_papers_cosine_from_0_996():
    """mmpretrain's CosineEMA takes 1 - m: base_momentum=0.004 gives the
    paper's tau = 1 - (1 - 0.996) (cos(pi k / K) + 1) / 2."""
    from mmpretrain.models.utils import CosineEMA
    MessageHub.get_current_instance().update_info('max_iters', 10)
    ema = CosineEMA(nn.Linear(1, 1), momentum=0.004)
    for k in (0, 3, 10):
        target, online = torch.zeros(1), torch.ones(1)
        ema.avg_func(target, online, k)
        tau = 1 - (1 - 0.996) * (math.cos(math.pi * k / 10) + 1) / 2
        assert float(target) == pytest.approx(1 - tau)  # tau*0 + (1-tau)*1


def test_instdisc_fixes_z_on_the_first_batch():
    """Every bank entry = u, so every score is exp(u.f_i / t): Z = N x the
    mean over images and the K + 1 columns; the second batch keeps it."""
    model = MODELS.build(
        dict(
            type='InstDisc',
            backbone=EMBED,
            neck=EMBED,
            memory_bank=dict(type='MemoryBank', num_samples=5, dim=2),
            num_negatives=3,
            temperature=0.5))
    u = unit([1., 2.])
    model.memory_bank.feats.copy_(torch.tensor([u] * 5))
    f = [[1., 0.], [0., 1.]]
    x = torch.tensor(f).view(2, 2, 1, 1)
    data_samples = [_Meta(sample_idx=3), _Meta(sample_idx=1)]
    loss = float(model.loss([x], data_samples)['loss'])
    scores = [math.exp(cosine(u, fi) / 0.5) for fi in f]
    z = 5 * sum(scores) / 2
    assert float(model.nce_z) == pytest.approx(z)
    k_pn = 3 / 5
    expected = 0.
    for s in scores:
        p = s / z
        expected += math.log(
            p / (p + k_pn + 1e-7)) + 3 * math.log(k_pn / (p + k_pn + 1e-7))
    assert loss == pytest.approx(-expected / 2, rel=1e-5)
    # the two entries moved to normalise(0.5 u + 0.5 f_i); Z stays
    assert torch.allclose(model.memory_bank.feats[3],
                          torch.tensor(unit([0.5 * u[0] + 0.5, 0.5 * u[1]])))
    model.loss([x], data_samples)
    assert float(model.nce_z) == pytest.approx(z)
    # a loaded Z is kept too (not re-estimated from the moved bank)
    resumed = MODELS.build(
        dict(
            type='InstDisc',
            backbone=EMBED,
            neck=EMBED,
            memory_bank=dict(type='MemoryBank', num_samples=5, dim=2),
            num_negatives=3,
            temperature=0.5))
    resumed.load_state_dict(model.state_dict())
    resumed.loss([x], data_samples)
    assert float(resumed.nce_z) == pytest.approx(z)


class _Meta(dict):
    """A data sample's metainfo: ``'sample_idx' in s`` and ``s.sample_idx``
    (as mmpretrain's DataSample)."""
    __getattr__ = dict.__getitem__


def test_simsiam_predictor_keeps_its_lr_every_iteration():
    """The config marks the predictor's groups ``fix_lr`` and SimSiamHook
    (``adjust_by_epoch=False``) resets them before every iteration, while
    the schedule moves the other groups."""
    from mmpretrain.engine.hooks import SimSiamHook
    cfg = Config.fromfile(osp.join(REPO, 'configs/simsiam/demo.py'))
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    hook_cfg = dict(cfg.custom_hooks[-1])
    assert hook_cfg.pop('type') == 'SimSiamHook'
    hook_cfg.pop('priority')
    hook = SimSiamHook(**hook_cfg)
    groups = optim.optimizer.param_groups
    fixed = [g for g in groups if g.get('fix_lr')]
    n_pred = sum(1 for n, _ in model.named_parameters() if 'predictor' in n)
    assert len(fixed) == n_pred > 0
    for g in groups:  # what a scheduler step does
        g['lr'] *= 0.5
    hook.before_train_iter(SimpleNamespace(optim_wrapper=optim), 0)
    assert all(g['lr'] == 0.05 for g in fixed)
    assert all(g['lr'] == 0.025 for g in groups if not g.get('fix_lr'))
