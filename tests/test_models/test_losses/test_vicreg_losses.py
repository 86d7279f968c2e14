"""VICReg's terms (global and per kept slot) and VICRegL's cell matching on
tiny tensors with answers worked out by hand."""
import pytest
import torch

from mmdense.models.losses import (nearest_matches, variance_term,
                                   vicreg_global, vicreg_local)

# two samples: z0 varies in its first channel only, z1 in both together
Z0 = torch.tensor([[1., 0.], [-1., 0.]])
Z1 = torch.tensor([[1., 1.], [-1., -1.]])


def test_variance_term_by_hand():
    # unbiased variances (2, 0): stds 1.414 (no penalty) and 0.01 (0.99)
    assert variance_term(Z0).item() == pytest.approx(0.99 / 2, rel=1e-5)


def test_global_terms_by_hand():
    inv, var, cov = vicreg_global([Z0, Z1], 25., 25., 1.)
    # MSE(z0, z1) = mean(0, 1, 0, 1) = .5 for both ordered pairs
    assert inv.item() == pytest.approx(25 * .5)
    # variance: z0 .495, z1 0 (stds 1.414), averaged over the two views
    assert var.item() == pytest.approx(25 * .495 / 2, rel=1e-5)
    # covariance z^T z / (n - 1): z0 diag(2, 0) -> 0; z1 all 2 -> (4 + 4) /
    # D = 4; averaged over the two views
    assert cov.item() == pytest.approx(2.)


def test_local_terms_per_slot_by_hand():
    x, y = Z0[:, None], Z1[:, None]  # N = 2 images, K = 1 kept slot
    inv, var, cov = vicreg_local(x, y, 25., 25., 1.)
    assert inv.item() == pytest.approx(25 * .5)
    assert var.item() == pytest.approx(25 * (.495 / 2 + 0 / 2), rel=1e-5)
    assert cov.item() == pytest.approx(0 / 2 + 8 / 2 / 2)
    # two slots: the terms are per slot, then averaged over the slots
    x2, y2 = torch.cat([x, y], 1), torch.cat([y, x], 1)
    inv2, var2, cov2 = vicreg_local(x2, y2, 25., 25., 1.)
    assert var2.item() == pytest.approx(var.item(), rel=1e-5)
    assert cov2.item() == pytest.approx(cov.item())


def test_nearest_matches_by_hand():
    d = torch.tensor([[[.5, .2, .9], [.3, .8, .1], [.7, .6, .65]]])
    inputs = torch.tensor([[[0.], [1.], [2.]]])
    candidates = torch.tensor([[[10.], [11.], [12.]]])
    # nearest candidates 1 (.2), 2 (.1), 1 (.6): the two closest input
    # cells are 1 and 0, kept in cell order
    kept, matched = nearest_matches(inputs, candidates, d, 2)
    assert kept.flatten().tolist() == [0., 1.]
    assert matched.flatten().tolist() == [11., 12.]
    kept, matched = nearest_matches(inputs, candidates, d, None)
    assert matched.flatten().tolist() == [11., 12., 11.]
    with pytest.raises(ValueError, match='num_matches=4'):
        nearest_matches(inputs, candidates, d, 4)
