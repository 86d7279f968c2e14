"""Hooks that make long pre-training runs safe to kill, resume and trust.

mmdense's :class:`~mmdense.engine.Runner` registers all four on every run
(configs do not list them); see ``docs/resume.md``.

* :class:`ResumeStateHook`: what mmengine's checkpoints lack for an exact
  resume - the main process's random states and the data position - saved
  into every checkpoint (``checkpoint['resume_state']``) and put back.
* :class:`NonFiniteLossHook`: stops at the first NaN / inf loss, before a
  checkpoint of that state can be written.
* :class:`TrainingChecksHook`: checks that need the world size (queue length
  vs. global batch) before the first iteration.
* :class:`SafeCheckpointHook`: mmengine's ``CheckpointHook`` that deletes old
  checkpoints (``max_keep_ckpts``) only *after* the new one is complete.
"""
import math
import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmengine.dist import (all_reduce, broadcast_object_list, get_world_size,
                           is_main_process)
from mmengine.hooks import CheckpointHook, Hook
from mmengine.model import is_model_wrapper
from mmengine.runner.loops import (IterBasedTrainLoop,
                                   _InfiniteDataloaderIterator)

from mmdense.datasets.resumable import ResumableSampler
from mmdense.registry import HOOKS
from mmdense.utils.rng import get_rng_state, set_rng_state


def _sampler(runner) -> Optional[ResumableSampler]:
    sampler = getattr(runner.train_loop.dataloader, 'sampler', None)
    return sampler if isinstance(sampler, ResumableSampler) else None


class _SkipFirst:
    """The loop's dataloader iterator, whose first ``n`` ``next()`` calls
    return ``None`` at once: mmengine's IterBasedTrainLoop re-iterates the
    ``n`` batches a resumed run already trained on (loading and augmenting
    each); the sampler already starts after them."""

    def __init__(self, iterator, n: int) -> None:
        self.iterator, self.n = iterator, n

    def __iter__(self):
        return self

    def __next__(self):
        if self.n > 0:
            self.n -= 1
            return None
        return next(self.iterator)


@HOOKS.register_module()
class ResumeStateHook(Hook):
    """Saves and restores the state outside ``state_dict`` and mmengine's
    checkpoint: ``checkpoint['resume_state'] = dict(rng, stage, data_epoch,
    batches, batch_size, world_size, seed)``.

    * **Random states** of the main process (python, numpy, torch CPU and
      CUDA), as they were when the checkpoint was written; restored just
      before the next iteration (or epoch) of the resumed run, so that
      whatever a resumed run does first (building, loading, hooks) does not
      shift them.  Under DDP rank 0's states are saved and every rank gets
      them (identical with ``randomness.diff_rank_seed=False``, the default).
    * **Data position**: the pass (epoch) of the :class:`ResumableSampler`
      and the batches consumed in it.  A resumed run's sampler starts at
      ``batches x batch_size`` in that pass: with ``IterBasedTrainLoop``
      mmengine's re-iteration of the consumed batches is made free (nothing
      is loaded), with ``EpochBasedTrainLoop`` the interrupted epoch goes on
      where it stopped instead of starting over (iteration-interval
      checkpoints of epoch-based runs resume exactly).  Augmentation is
      seeded per sample (see :mod:`mmdense.datasets.resumable`), so it needs
      no saved worker state.
    * Model buffers (queues, memory banks, centres, EMA teachers, the
      ``step`` counter), optimizer, lr / momentum schedulers and the message
      hub are in mmengine's checkpoint already.
    """
    priority = 'VERY_HIGH'
    KEY = 'resume_state'

    def __init__(self) -> None:
        self._epoch = 0  # sampler pass of the last consumed batch
        self._batches = 0  # batches consumed in that pass
        self._stage = 'iter'
        self._loaded: Optional[dict] = None
        self._pending_rng = None  # (stage, state) to restore

    # ------------------------------------------------------------- saving
    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        sampler = _sampler(runner)
        if sampler is not None and sampler.pass_epoch != self._epoch:
            self._epoch, self._batches = sampler.pass_epoch, 0
        self._batches += 1
        self._stage = 'iter'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(rng=get_rng_state(), stage=self._stage)
        sampler = _sampler(runner)
        if sampler is not None:
            state.update(
                data_epoch=self._epoch,
                batches=self._batches,
                batch_size=runner.train_loop.dataloader.batch_size,
                world_size=get_world_size(),
                seed=sampler.seed)
        checkpoint[self.KEY] = state

    # ----------------------------------------------------------- resuming
    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # also called for `load_from`; applied only when resuming
        self._loaded = checkpoint.get(self.KEY)

    def before_train(self, runner) -> None:
        state, self._loaded = self._loaded, None
        if not runner._resume or runner.iter == 0:
            return
        if state is None:
            runner.logger.warning(
                'resume: the checkpoint has no resume_state (written by '
                'another runner); random states and data position are not '
                'restored exactly.')
            return
        self._pending_rng = (state['stage'], state['rng'])
        sampler = _sampler(runner)
        if sampler is None or 'batches' not in state:
            runner.logger.warning(
                'resume: the train dataloader has a custom batch_sampler; the '
                'data order is not restored exactly (mmengine default).')
            return
        loop = runner.train_loop
        loader = loop.dataloader
        now = (loader.batch_size, get_world_size())
        if now != (state['batch_size'], state['world_size']):
            runner.logger.warning(
                f'resume: batch size / processes changed from '
                f'{state["batch_size"]} x {state["world_size"]} to '
                f'{now[0]} x {now[1]}; the data order is not the same as an '
                'uninterrupted run.')
        sampler.set_seed(state['seed'])
        epoch, batches = state['data_epoch'], state['batches']
        self._epoch, self._batches = epoch, batches
        position = batches * loader.batch_size
        if isinstance(loop, IterBasedTrainLoop):
            sampler.resume_at(epoch, position)
            # a new pass from the saved position (persistent workers are
            # reset, others replaced; what the first pass prefetched is
            # dropped)
            iterator = _InfiniteDataloaderIterator(loader)
            iterator._epoch = epoch
            loop.dataloader_iterator = _SkipFirst(iterator, loop.iter)
        elif loop.epoch == epoch:
            sampler.resume_at(epoch, position)
        else:  # an epoch-end checkpoint: the next epoch starts afresh
            epoch, position = loop.epoch, 0
        runner.logger.info(
            f'resume: data continues in pass {epoch} at sample {position} of '
            'this process (no batch is loaded twice); random states are '
            'restored before the next iteration.')

    def _restore(self, event: str) -> None:
        if self._pending_rng is None:
            return
        stage, state = self._pending_rng
        if event == 'before_train_epoch' and stage != 'epoch':
            return
        set_rng_state(state)
        self._pending_rng = None

    def before_train_epoch(self, runner) -> None:
        self._restore('before_train_epoch')

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self._restore('before_train_iter')

    def after_train_epoch(self, runner) -> None:
        self._restore('after_train_epoch')
        self._stage = 'epoch'


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
    values = [p.detach().abs().max() for p in model.parameters()
              if p.is_floating_point() and p.numel()]
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


def checkpoint_health(checkpoint: dict, params=(),
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

    def after_train_iter(self, runner, batch_idx, data_batch=None,
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
        terms = {k: _value(v) for k, v in outputs.items()
                 if 'loss' in k and k != 'loss'}
        bad = [f'{k}={v}' for k, v in terms.items() if not math.isfinite(v)]
        if not bad:
            bad = [f'loss={loss}' if not math.isfinite(loss) else
                   'on another process']
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


@HOOKS.register_module()
class TrainingChecksHook(Hook):
    """Checks that need the world size, before the first iteration: every
    module of the model with a ``check_global_batch(global_batch, name)``
    method (e.g. :class:`~mmdense.models.memories.ContrastQueue`: its length
    must be a multiple of the global batch) is asked."""
    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        loader = runner.train_loop.dataloader
        batch = loader.batch_size or getattr(loader.batch_sampler,
                                             'batch_size', None)
        if batch is None:
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        for name, module in model.named_modules():
            check = getattr(module, 'check_global_batch', None)
            if callable(check):
                check(batch * get_world_size(), name, batch)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` (same arguments) that removes the
    checkpoints beyond ``max_keep_ckpts`` only after the new one is written
    (mmengine removes first, so with ``max_keep_ckpts=1`` a crash while
    saving left no checkpoint at all).  Writing itself is atomic
    (:meth:`mmdense.engine.Runner.save_checkpoint`)."""

    def _save_checkpoint_with_step(self, runner, step, meta):
        keep = self.max_keep_ckpts
        stale, before = [], list(getattr(self, 'keep_ckpt_ids', ()))
        good_before = runner.message_hub.get_info('last_good_ckpt')
        if keep > 0:
            ids = list(before)
            if not ids or ids[-1] != step:
                ids.append(step)
            stale, ids = ids[:-keep], ids[-keep:]
            self.keep_ckpt_ids.clear()
            self.keep_ckpt_ids.extend(ids)
            # saved inside the new checkpoint: a resumed run prunes it later
            runner.message_hub.update_info('keep_ckpt_ids', ids)
        self.max_keep_ckpts = -1  # the parent must not prune first
        try:
            super()._save_checkpoint_with_step(runner, step, meta)
        except BaseException:
            if keep > 0:  # not written: the list is as before
                self.keep_ckpt_ids.clear()
                self.keep_ckpt_ids.extend(before)
                runner.message_hub.update_info('keep_ckpt_ids', before)
            raise
        finally:
            self.max_keep_ckpts = keep
        if not is_main_process() or keep <= 0:
            return
        good = runner.message_hub.get_info('last_good_ckpt')

        def path_of(i):
            return osp.abspath(self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(i)))

        paths = {path_of(i): i for i in stale if i != step}
        kept = {path_of(i) for i in ids}
        # the newest good checkpoint is never pruned; the one it replaces
        # goes once it is outside the kept window
        own = osp.dirname(path_of(step))
        if good_before and good_before != good and good_before not in kept \
                and osp.dirname(good_before) == own:
            paths.setdefault(good_before, None)
        for path in paths:
            if path == good:
                continue
            if self.file_backend.isfile(path):
                self.file_backend.remove(path)
            elif self.file_backend.isdir(path):
                self.file_backend.rmtree(path)
