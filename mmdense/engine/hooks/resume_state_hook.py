""":class:`ResumeStateHook`: what mmengine's checkpoints lack for an exact
resume - the main process's random states and the data position - saved
into every checkpoint (``checkpoint['resume_state']``) and put back.

mmdense's :class:`~mmdense.engine.Runner` registers it on every run
(configs do not list it); see ``docs/resume.md``.
"""
from typing import Optional

from mmengine.dist import get_world_size
from mmengine.hooks import Hook
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
    * Model buffers (queues, memory banks, centers, EMA teachers, the
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
    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
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
