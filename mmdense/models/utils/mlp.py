"""The MLP of BYOL-style projectors and predictors on vectors."""
from collections import OrderedDict
from typing import Sequence

import torch.nn as nn


def bn_mlp(in_dim: int, dims: Sequence[int]) -> nn.Sequential:
    """``in -> dims[0] -> ... -> dims[-1]``: (Linear with bias, BatchNorm1d,
    ReLU) per hidden layer, then a Linear without bias; PyTorch's default
    init.  Layers named ``fc{i}``, ``bn{i}``, ``act{i}``.  BYOL's / DetCon's
    ``MLP`` (one hidden layer) and VICRegL's ``utils.MLP`` (any depth)."""
    dims = [in_dim, *dims]
    layers = OrderedDict()
    for n, (i, o) in enumerate(zip(dims[:-2], dims[1:-1])):
        layers[f'fc{n}'] = nn.Linear(i, o)
        layers[f'bn{n}'] = nn.BatchNorm1d(o)
        layers[f'act{n}'] = nn.ReLU(inplace=True)
    layers[f'fc{len(dims) - 2}'] = nn.Linear(dims[-2], dims[-1], bias=False)
    return nn.Sequential(layers)
