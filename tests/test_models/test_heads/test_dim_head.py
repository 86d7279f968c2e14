"""DIMHead scores every global feature against every local one."""
import pytest
import torch

from mmdense.registry import MODELS


def test_dim_head_scores_every_global_against_every_local():
    from mmdense.models.losses.mutual_info import dim_infonce
    head = MODELS.build(
        dict(
            type='DIMHead',
            local_channels=4,
            global_channels=6,
            hid_channels=8,
            out_channels=5,
            estimator='infonce'))
    local_map, glob = torch.randn(3, 4, 2, 2), torch.randn(3, 6)
    loc, g = head.embed(local_map, glob)
    assert loc.shape == (3, 4, 5) and g.shape == (3, 5)
    scores = torch.zeros(3, 3, 4)
    for i in range(3):
        for j in range(3):
            for p in range(4):
                scores[i, j, p] = (g[i] * loc[j, p]).sum()
    expected = dim_infonce(scores, torch.arange(3))
    assert torch.allclose(
        head.loss(local_map, glob)['loss'], expected, atol=1e-5)
    with pytest.raises(ValueError, match="estimator must be one of"):
        MODELS.build(
            dict(
                type='DIMHead',
                local_channels=4,
                global_channels=4,
                estimator='mine'))
