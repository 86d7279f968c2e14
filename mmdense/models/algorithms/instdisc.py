from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.dist import all_reduce, get_world_size
from mmpretrain.models.selfsup import BaseSelfSupervisor

from mmdense.registry import MODELS
from ..losses.instance import nce_loss


@MODELS.register_module()
class InstDisc(BaseSelfSupervisor):
    """InstDisc / NPID: non-parametric instance discrimination with a memory
    bank (Wu, Xiong, Yu, Lin, CVPR 2018; official code ``lemniscate``).

    One view per image: backbone -> ``neck`` (a linear 128-d embedding,
    mmpretrain's ``LinearNeck``) -> L2 normalisation -> ``f_i``.  For each
    image, K negatives are drawn uniformly, with replacement, from the other
    N - 1 bank entries, next to its own entry (the positive).  The official
    code draws from all N, so an image is its own negative with probability
    K / N: 0.3 % on ImageNet, but a third of the rows of a 48-image demo,
    where that term fights the positive and the loss cannot fall::

        P_ij = exp(v_j . f_i / t) / Z,   loss = nce_loss(P, N)

    Z is fixed once, on the first batch, as ``N * mean_ij exp(v_j . f_i / t)``
    (positives included; the mean over all processes), and kept in the
    ``nce_z`` buffer (so it survives resume).  The bank is then updated with
    the new embeddings (momentum 0.5, :class:`MemoryBank`).  Samples carry
    their dataset index (``sample_idx`` in the data samples' meta).

    Args:
        backbone (dict): the encoder (``mmpretrain.ResNet``).
        neck (dict): the embedding head (``LinearNeck`` to 128).
        memory_bank (dict): a :class:`MemoryBank` config.
        num_negatives (int): K. Defaults to 4096.
        temperature (float): t. Defaults to 0.07.
        eps (float): in the NCE terms. Defaults to 1e-7 (official code).
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 memory_bank: dict,
                 num_negatives: int = 4096,
                 temperature: float = 0.07,
                 eps: float = 1e-7,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.memory_bank = MODELS.build(memory_bank)
        self.num_negatives = num_negatives
        self.temperature = temperature
        self.eps = eps
        self.register_buffer('nce_z', torch.zeros(()))  # 0: not set yet
        # host mirror of ``nce_z > 0`` (reading the buffer in every
        # iteration would wait for the device); refreshed on state dict load
        self._nce_z_set = False
        # every process writes the same bank entries: DDP must not
        # broadcast the (large) bank from rank 0 at every forward
        self._ddp_params_and_buffers_to_ignore = ['memory_bank.feats']

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self._nce_z_set = float(self.nce_z) > 0

    def loss(self, inputs: List[torch.Tensor], data_samples: list,
             **kwargs) -> Dict[str, torch.Tensor]:
        bank = self.memory_bank
        bank.check_ready()
        bank.sync_()
        if 'sample_idx' not in data_samples[0]:
            raise KeyError("InstDisc needs each sample's dataset index: keep "
                           "'sample_idx' in PackInputs' meta_keys.")
        idx = [int(s.sample_idx) for s in data_samples]  # host: no sync
        if max(idx) >= bank.num_samples:
            raise IndexError(
                f'sample index {max(idx)} outside the memory bank of '
                f'{bank.num_samples} entries: the bank size must equal the '
                'dataset length (MemoryBankHook sets it).')
        idx = torch.tensor(idx, device=inputs[0].device)
        f = F.normalize(self.neck(self.backbone(inputs[0]))[0], dim=1)
        b = f.shape[0]
        # uniform over the other N - 1 entries (never the positive itself)
        sample = torch.randint(
            bank.num_samples - 1, (b, self.num_negatives), device=f.device)
        sample += (sample >= idx[:, None]).long()
        weights = bank.feats[torch.cat([idx[:, None], sample], dim=1)]
        # in float32 even under autocast: exp(1 / 0.07) ~ 1.6e6
        with torch.autocast(f.device.type, enabled=False):
            exp = torch.exp(
                torch.einsum('bkd,bd->bk', weights.float(), f.float()) /
                self.temperature)
        if not self._nce_z_set:
            with torch.no_grad():
                mean = exp.mean()
                if get_world_size() > 1:
                    all_reduce(mean, op='mean')
                self.nce_z.fill_(float(mean) * bank.num_samples)
            self._nce_z_set = True
        loss = nce_loss(exp / self.nce_z, bank.num_samples, self.eps)
        bank.update(idx, f.detach())
        return dict(loss=loss)
