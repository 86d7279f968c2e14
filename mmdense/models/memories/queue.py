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
        self.register_buffer('keys', F.normalize(torch.randn(length, dim),
                                                 dim=1))
        self.register_buffer('ptr', torch.zeros((), dtype=torch.long))
        self._ptr = 0  # host mirror of ``ptr``

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self._ptr = int(self.ptr)

    @torch.no_grad()
    def enqueue(self, keys: torch.Tensor) -> None:
        if get_world_size() > 1:
            keys = torch.cat(all_gather(keys.contiguous()), dim=0)
        batch = keys.shape[0]
        if self.length % batch:
            raise ValueError(
                f'ContrastQueue: the queue length {self.length} is not a '
                f'multiple of the global batch {batch} (batch per process x '
                'processes); choose a queue length that is.')
        ptr = self._ptr
        self.keys[ptr:ptr + batch] = keys.to(self.keys.dtype)  # in place
        self._ptr = (ptr + batch) % self.length
        self.ptr.fill_(self._ptr)  # a host scalar: no sync
