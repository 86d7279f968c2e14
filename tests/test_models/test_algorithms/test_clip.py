"""CLIPPretrain: the temperature's init and its clamp."""
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from helpers import clip_model_cfg

from mmdense.registry import MODELS
from mmdense.structures import EOT, PAD, SOT


def test_clip_model_temperature_init_and_clamp():
    model = MODELS.build(clip_model_cfg())
    assert model.logit_scale.exp().item() == pytest.approx(1 / 0.07)
    with torch.no_grad():
        model.logit_scale.fill_(math.log(1000.))
    model.loss(
        torch.randn(2, 3, 32, 32), [
            SimpleNamespace(text=np.array([SOT, 5, EOT, PAD, PAD, PAD]))
            for _ in range(2)
        ])
    assert model.logit_scale.item() == pytest.approx(math.log(100.))
