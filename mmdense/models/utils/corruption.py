"""DGI's corruption of an image's feature map: its spatial positions
shuffled, and a ResNet's stages re-run on the shuffled map."""
from typing import Optional

import torch
import torch.nn as nn


def shuffle_positions(
        feature_map: torch.Tensor,
        generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """DGI's corruption on an image: each image's (C, H, W) feature map
    with its H*W spatial positions permuted (its own random permutation),
    as DGI row-shuffles the node-feature matrix and keeps the graph."""
    n, c, h, w = feature_map.shape
    flat = feature_map.flatten(2)
    perm = torch.stack([
        torch.randperm(h * w, generator=generator, device='cpu')
        for _ in range(n)
    ]).to(feature_map.device)
    return flat.gather(2, perm[:, None].expand(n, c,
                                               h * w)).view_as(feature_map)


def encode_with_corruption(backbone: nn.Module, img: torch.Tensor,
                           corrupt_stage: int, local_stage: int):
    """``(backbone(img), corrupted local map)``: the ResNet's normal
    outputs, and stage ``local_stage``'s output recomputed from the input
    of stage ``corrupt_stage`` with its spatial positions shuffled
    (:func:`shuffle_positions`; stages ``corrupt_stage..local_stage`` run
    twice).  ``backbone`` is an mmpretrain / mmdet ``ResNet``
    (``res_layers``)."""
    names = backbone.res_layers
    if not 0 <= corrupt_stage <= local_stage < len(names):
        raise ValueError(
            f'corrupt_stage={corrupt_stage} must be a stage (0..'
            f'{len(names) - 1}) at or before the local stage {local_stage}')
    captured = []
    handle = getattr(backbone, names[corrupt_stage]).register_forward_pre_hook(
        lambda module, args: captured.append(args[0]))
    try:
        feats = backbone(img)
    finally:
        handle.remove()
    x = shuffle_positions(captured[0])
    for name in names[corrupt_stage:local_stage + 1]:
        x = getattr(backbone, name)(x)
    return feats, x
