from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_gather, broadcast, get_world_size

from mmdense.registry import MODELS


@MODELS.register_module()
class MemoryBank(nn.Module):
    """InstDisc's memory bank: one L2-normalised embedding per training
    image, as a ``(num_samples, dim)`` buffer (Wu et al., CVPR 2018).

    :meth:`update` gathers the indices and embeddings of every process and
    writes ``v_i <- normalise(m * v_i + (1 - m) * f_i)`` (m = 0.5) for all of
    them, so every process holds the same bank without a broadcast; the
    first :meth:`sync_` copies rank 0's random initial bank to all.  The
    bank must have one entry per dataset image: ``num_samples=None`` leaves
    it empty until :class:`mmdense.engine.MemoryBankHook` sizes it to the
    training set (``before_run``, so a resumed bank loads into it), and the
    hook raises when a given ``num_samples`` differs from the dataset length.

    Args:
        num_samples (int, optional): N, the number of training images.
        dim (int): embedding size. Defaults to 128.
        momentum (float): m above. Defaults to 0.5.
    """

    def __init__(self,
                 num_samples: Optional[int] = None,
                 dim: int = 128,
                 momentum: float = 0.5) -> None:
        super().__init__()
        self.dim = dim
        self.momentum = momentum
        self.register_buffer('feats', torch.empty(0, dim))
        self._synced = False
        if num_samples is not None:
            self.resize_(num_samples)

    @property
    def num_samples(self) -> int:
        return self.feats.shape[0]

    @torch.no_grad()
    def resize_(self, num_samples: int) -> None:
        """A fresh random bank of ``num_samples`` unit vectors."""
        feats = torch.randn(num_samples, self.dim, device=self.feats.device)
        self.feats = F.normalize(feats, dim=1)
        self._synced = False

    @torch.no_grad()
    def sync_(self) -> None:
        """Copy rank 0's bank to every process once (the random start; a
        loaded bank is already equal)."""
        if not self._synced and get_world_size() > 1:
            broadcast(self.feats, src=0)
        self._synced = True

    def check_ready(self) -> None:
        if self.num_samples == 0:
            raise RuntimeError(
                'MemoryBank has no entries: set its num_samples to the '
                'number of training images, or add '
                "dict(type='MemoryBankHook') to custom_hooks to size it "
                'from the dataset.')

    @torch.no_grad()
    def update(self, idx: torch.Tensor, feats: torch.Tensor) -> None:
        """Momentum update of the entries ``idx`` (all processes' ones)."""
        if get_world_size() > 1:
            idx = torch.cat(all_gather(idx.contiguous()))
            feats = torch.cat(all_gather(feats.contiguous()))
        new = self.momentum * self.feats[idx] + \
            (1 - self.momentum) * feats.to(self.feats.dtype)
        self.feats.index_copy_(0, idx, F.normalize(new, dim=1))
