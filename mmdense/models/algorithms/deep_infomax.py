from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn

from mmdense.registry import MODELS
from ..utils.corruption import encode_with_corruption
from .pooled import PooledSelfSupervisor


@MODELS.register_module()
class DeepInfoMax(PooledSelfSupervisor):
    """Deep InfoMax, local-global (Hjelm et al., ICLR 2019): maximise the
    mutual information between an image's global vector and each of its
    local features.

    One view per image.  The backbone's feature map ``local_index`` gives
    the local features (default: the last stage, C5); the global vector is
    the average-pooled last stage.  :class:`DIMHead` embeds both (1x1-conv
    and MLP networks), scores every (global, local) pair of the gathered
    batch and applies the JSD or InfoNCE estimator.  Only ``backbone.*``
    transfers.

    Args:
        backbone (dict): the encoder (``mmpretrain.ResNet``); its
            ``out_indices`` must include the local stage and end with the
            last one.
        head (dict): :class:`DIMHead`.
        local_index (int): index into the backbone's outputs of the local
            feature map. Defaults to -1 (C5).
        corrupt_stage (int, optional): DGI-style corruption
            (:class:`DGIHead`, ``docs/other_pretexts.md``): the input of
            this backbone stage gets its spatial positions shuffled and the
            stages up to the local one run again; the head gets that
            corrupted local map as ``corrupted_map``.  None: no corruption.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 local_index: int = -1,
                 corrupt_stage: Optional[int] = None,
                 data_preprocessor=None,
                 init_cfg=None) -> None:
        # PooledSelfSupervisor(backbone, head, data_preprocessor, init_cfg)
        super().__init__(backbone, head, data_preprocessor, init_cfg)
        n_out = len(self.backbone.out_indices)
        if not -n_out <= local_index < n_out:
            raise ValueError(
                f'DeepInfoMax: local_index={local_index} but the backbone '
                f'has {n_out} outputs (out_indices='
                f'{tuple(self.backbone.out_indices)}); add the local stage '
                'to backbone.out_indices')
        self.local_index = local_index
        self.corrupt_stage = corrupt_stage
        if getattr(self.head, 'needs_corruption', False) != \
                (corrupt_stage is not None):
            raise ValueError(
                f'DeepInfoMax: corrupt_stage={corrupt_stage} with '
                f'{type(self.head).__name__}: DGIHead needs corrupted locals '
                "(corrupt_stage=3: the input of ResNet's last stage), "
                'DIMHead takes none (corrupt_stage=None)')

    def level_heads(self) -> Dict[str, nn.Module]:
        return {'': self.head}

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: list, **kwargs) -> dict:
        img = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        if self.corrupt_stage is None:
            feats, extra = self.backbone(img), {}
        else:
            local_stage = self.backbone.out_indices[self.local_index]
            feats, corrupted = encode_with_corruption(self.backbone, img,
                                                      self.corrupt_stage,
                                                      local_stage)
            extra = dict(corrupted_map=corrupted)
        global_vec = self.pooled(feats[-1])
        return self.head.loss(feats[self.local_index], global_vec, **extra)
