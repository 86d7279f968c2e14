from typing import Dict, List

import torch
from mmpretrain.models.selfsup import SimCLR as _MMPretrainSimCLR

from mmdense.registry import MODELS
from ..losses.instance import nt_xent


@MODELS.register_module()
class SimCLR(_MMPretrainSimCLR):
    """SimCLR (Chen et al., ICML 2020): NT-Xent over all 2N views of the
    global batch, gathered across processes with gradients.

    mmpretrain's ``SimCLR`` (same config: backbone, ``NonLinearNeck``,
    ``ContrastiveHead`` whose ``temperature`` is used) computes the full
    2N x 2N loss on every process but its gather passes back only the
    gradient of the process's own loss, so after DDP's averaging the update
    is 1/W of the true gradient (W processes).  Here every process takes
    its own 2B views as anchors against all 2N, and the gather's backward
    sums the gradients of all processes (:func:`nt_xent`): the averaged
    update equals the one-process gradient.  Replaces mmpretrain's class in
    the ``mmdense`` scope (``mmpretrain.SimCLR`` reaches the original).

    The loss is the official one (``objective.py``: ``loss_a + loss_b``, the
    two directions' batch means added): twice :func:`nt_xent`'s mean over
    the 2B anchors.  mmpretrain's is the mean, half as large.
    """

    def loss(self, inputs: List[torch.Tensor], data_samples: list,
             **kwargs) -> Dict[str, torch.Tensor]:
        b = inputs[0].shape[0]
        z = self.neck(self.backbone(torch.cat(inputs[:2])))[0]
        return dict(loss=2 * nt_xent(z[:b], z[b:], self.head.temperature))
