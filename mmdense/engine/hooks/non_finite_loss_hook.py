""":class:`NonFiniteLossHook`: stops at the first NaN / inf loss, before a
checkpoint of that state can be written.

mmdense's :class:`~mmdense.engine.Runner` registers it on every run
(configs do not list it); see ``docs/resume.md``.
"""
import math

import torch
from mmengine.dist import all_reduce, broadcast_object_list, get_world_size
from mmengine.hooks import Hook

from mmdense.registry import HOOKS


def _value(v) -> float:
    return float(v.detach()) if isinstance(v, torch.Tensor) else float(v)


class NonFiniteLossError(RuntimeError):
    """Training stopped on a NaN / inf loss."""


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stops training at the first iteration whose loss is NaN or inf, with
    one message naming the iteration and the loss term(s).

    It runs after the iteration (before the LoggerHook and the
    CheckpointHook), so the state of that iteration is never checkpointed and
    the last good checkpoint stays the newest.  Only the loss *value* is
    checked: with fp16 AMP the loss scaler skipping steps on inf / NaN
    *gradients* is normal and not an error.

    Cost: the total loss is read on the host once per iteration, a sync that
    mmengine's RuntimeInfoHook (which logs every loss term) already makes;
    under DDP one 1-element all-reduce lets every process stop at the same
    iteration (a NaN on one process reaches all of them through the gradient
    all-reduce anyway).
    """
    priority = 'ABOVE_NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if not isinstance(outputs, dict) or 'loss' not in outputs:
            return
        loss = _value(outputs['loss'])
        finite = math.isfinite(loss)
        if get_world_size() > 1:
            flag = torch.tensor([0. if finite else 1.])
            all_reduce(flag)
            finite = float(flag) == 0
        if finite:
            return
        terms = {
            k: _value(v)
            for k, v in outputs.items() if 'loss' in k and k != 'loss'
        }
        bad = [f'{k}={v}' for k, v in terms.items() if not math.isfinite(v)]
        if not bad:
            bad = [
                f'loss={loss}'
                if not math.isfinite(loss) else 'on another process'
            ]
        last = runner.message_hub.get_info('last_good_ckpt')
        if get_world_size() > 1:  # only rank 0 writes checkpoints
            shared = [last]
            broadcast_object_list(shared)
            last = shared[0]
        if last:
            way_out = (f'the last good checkpoint (all tensors finite and '
                       f'not huge, all logged losses finite) is {last}. '
                       'Lower the learning rate '
                       '(--cfg-options optim_wrapper.optimizer.lr=...) and/or '
                       'clip gradients (optim_wrapper.clip_grad.max_norm=...),'
                       f' then run the same command with --resume {last} '
                       '(a resumed run takes the new lr and schedule).')
        else:
            way_out = ('no good checkpoint was written yet: lower the '
                       'learning rate (--cfg-options '
                       'optim_wrapper.optimizer.lr=...) and/or clip gradients '
                       '(optim_wrapper.clip_grad.max_norm=...) and start '
                       'again without --resume.')
        raise NonFiniteLossError(
            f'non-finite loss at iteration {runner.iter + 1}: '
            f'{", ".join(bad)}. Training stopped, nothing of this state was '
            f'checkpointed; {way_out}')
