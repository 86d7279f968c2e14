"""Health of a training checkpoint, checked by
:class:`~mmdense.engine.Runner` on every save (``meta['healthy']``, the
message hub's ``last_good_ckpt``; see ``docs/resume.md``): no non-finite or
huge tensor, no diverged parameter, no non-finite logged loss.
"""
from typing import Optional

import numpy as np
import torch

#: a value whose square overflows float32: no trained network holds one, a
#: diverging run does before it reaches inf (DenseCL at lr 1e6: BN running
#: variances of 1e27 one iteration before they are inf)
HUGE = float(torch.finfo(torch.float32).max)**0.5
#: a parameter this many times larger (in absolute value) than the largest
#: parameter at the start of the run marks a diverged model: one SGD step
#: at lr 1e5 multiplies DenseCL's by ~1e4 while its loss is still finite;
#: training at a sane lr moves them by a small factor (BN weights start at 1)
GROWTH = 1000.


def param_absmax(model: torch.nn.Module) -> float:
    """The largest absolute value of the model's floating parameters."""
    values = [
        p.detach().abs().max() for p in model.parameters()
        if p.is_floating_point() and p.numel()
    ]
    return float(torch.stack(values).max()) if values else 0.


def _bad_tensors(obj, path=''):
    """Key paths of floating tensors of ``obj`` with a NaN / inf or a
    value of :data:`HUGE` or more."""
    if isinstance(obj, torch.Tensor):
        if obj.is_floating_point() and obj.numel() and not bool(
                obj.detach().abs().max() < HUGE):
            yield path
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _bad_tensors(v, f'{path}.{k}' if path else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _bad_tensors(v, f'{path}[{i}]')


def checkpoint_health(checkpoint: dict,
                      params=(),
                      reference: Optional[float] = None) -> Optional[str]:
    """``None`` if every floating tensor of the model and optimizer state is
    finite and below :data:`HUGE` in magnitude, no parameter (``params``:
    their state_dict keys) exceeds :data:`GROWTH` times ``reference`` (the
    largest parameter when the run started) and every logged loss of the
    message hub was finite, else what is not."""
    bad = list(_bad_tensors(checkpoint.get('state_dict', {}), 'state_dict'))
    bad += list(_bad_tensors(checkpoint.get('optimizer', {}), 'optimizer'))
    if bad:
        more = f' (+{len(bad) - 3} more)' if len(bad) > 3 else ''
        return (f'{len(bad)} tensors non-finite or huge (|x| >= {HUGE:.2g}):'
                f' {", ".join(bad[:3])}' + more)
    if reference:
        state = checkpoint.get('state_dict', {})
        found = [(float(state[k].detach().abs().max()), k) for k in params
                 if k in state and state[k].numel()]
        if found:
            top, key = max(found)
            if top > GROWTH * reference:
                return (f'the parameters grew {top / reference:.3g} times '
                        f'(largest |x| {top:.3g} in state_dict.{key}, '
                        f'{reference:.3g} at the start of the run): '
                        'diverged')
    scalars = checkpoint.get('message_hub', {}).get('log_scalars', {})
    for key, buf in scalars.items():
        if 'loss' in key and hasattr(buf, 'data'):
            values = buf.data[0]
            if len(values) and not np.isfinite(values).all():
                return f'a non-finite {key} was logged'
    return None
