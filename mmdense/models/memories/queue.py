import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import all_gather, get_world_size

from mmdense.registry import MODELS


@MODELS.register_module()
class ContrastQueue(nn.Module):
    """A FIFO queue of L2-normalised keys (MoCo's negatives), as buffers.

    ``keys`` is ``(length, dim)``; :meth:`enqueue` gathers the keys of every
    process first, so all processes hold the same queue, and writes them in
    place at the pointer.  ``length`` must be a multiple of the global batch
    (as in MoCo's code); otherwise a clear error is raised.

    The pointer lives in the ``ptr`` buffer (saved and resumed with the
    model) and is mirrored by a Python int, so that an enqueue never reads
    the buffer back (on a GPU that would wait for the device).  Loading a
    state dict refreshes the mirror; write the pointer only through
    ``load_state_dict`` or :meth:`enqueue`.

    Args:
        length (int): number of keys kept (65536 in MoCo / DenseCL).
        dim (int): key dimension.
    """

    def __init__(self, length: int, dim: int) -> None:
        super().__init__()
        self.length = length
        self.register_buffer('keys',
                             F.normalize(torch.randn(length, dim), dim=1))
        self.register_buffer('ptr', torch.zeros((), dtype=torch.long))
        self._ptr = 0  # host mirror of ``ptr``

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self._ptr = int(self.ptr)

    def check_global_batch(self,
                           batch: int,
                           name: str = 'ContrastQueue',
                           per_process: int = None) -> None:
        """Raise unless the length is a multiple of the global ``batch``
        (called by :class:`~mmdense.engine.TrainingChecksHook` before
        training, and at every enqueue)."""
        if self.length % batch:
            split = f'{per_process} per process x {batch // per_process} ' \
                'processes' if per_process else 'batch per process x processes'
            fit = max(batch, self.length // batch * batch)
            raise ValueError(
                f'{name}: the queue length {self.length} is not a multiple of '
                f'the global batch {batch} ({split}); set queue_len to a '
                f'multiple of {batch}, e.g. {fit}.')

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor) -> None:
        if get_world_size() > 1:
            keys = torch.cat(all_gather(keys.contiguous()), dim=0)
        self.check_global_batch(keys.shape[0])
        batch = keys.shape[0]
        ptr = self._ptr
        self.keys[ptr:ptr + batch] = keys.to(self.keys.dtype)  # in place
        self._ptr = (ptr + batch) % self.length
        self.ptr.fill_(self._ptr)  # a host scalar: no sync
