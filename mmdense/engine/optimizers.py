"""Optimisers that the official recipes use and PyTorch / mmengine /
mmpretrain lack."""
import torch
from torch.optim import Optimizer

from mmdense.registry import OPTIMIZERS


@OPTIMIZERS.register_module()
class BarlowTwinsLARS(Optimizer):
    """LARS as SlotCon's (and DeCon's) ``utils/lars.py``, itself taken from
    Barlow Twins; BYOL's optax chain and SimCLR's ``lars_optimizer.py`` make
    the same update up to where the lr enters.  For each parameter ``p``
    with gradient ``g``:

    * ``d = g + weight_decay * p`` and
      ``d = d * eta * ||p|| / ||d||`` (1 where a norm is 0), both only when
      ``p.ndim != 1``: every 1-D parameter (biases, norm weights and biases)
      gets neither weight decay nor adaptation, whatever its name (SimCLR
      and BYOL exclude biases and norms by name: the same parameters);
    * ``lr_in_momentum=False`` (Barlow Twins, SlotCon, BYOL): ``mu =
      momentum * mu + d``; ``p -= lr * mu``: the lr is applied after the
      momentum buffer, so a changing lr rescales the whole history;
    * ``lr_in_momentum=True`` (SimCLR's "classic momentum"): ``mu =
      momentum * mu + lr * d``; ``p -= mu``.

    mmpretrain's ``LARS`` differs: trust ratio ``eta ||p|| / (||g|| + wd
    ||p||)`` (the norm of the gradient before weight decay), exclusions by
    parameter group.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate.
        momentum (float): 0.9.
        weight_decay (float): weight decay of the >1-D parameters.
        eta (float): trust coefficient, 0.001.
        lr_in_momentum (bool): where the lr enters (above). Defaults to
            False.
    """

    def __init__(self,
                 params,
                 lr: float,
                 momentum: float = 0.9,
                 weight_decay: float = 0.,
                 eta: float = 0.001,
                 lr_in_momentum: bool = False) -> None:
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                weight_decay=weight_decay,
                eta=eta,
                lr_in_momentum=lr_in_momentum))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for g in self.param_groups:
            for p in g['params']:
                if p.grad is None:
                    continue
                d = p.grad
                if p.ndim != 1:
                    d = d.add(p, alpha=g['weight_decay'])
                    p_norm, d_norm = torch.norm(p), torch.norm(d)
                    one = torch.ones_like(p_norm)
                    q = torch.where(
                        p_norm > 0.,
                        torch.where(d_norm > 0, g['eta'] * p_norm / d_norm,
                                    one), one)
                    d = d.mul(q)
                state = self.state[p]
                if 'mu' not in state:
                    state['mu'] = torch.zeros_like(p)
                mu = state['mu']
                if g['lr_in_momentum']:
                    mu.mul_(g['momentum']).add_(d, alpha=g['lr'])
                    p.sub_(mu)
                else:
                    mu.mul_(g['momentum']).add_(d)
                    p.add_(mu, alpha=-g['lr'])
        return loss
