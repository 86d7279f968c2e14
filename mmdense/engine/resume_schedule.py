"""A resumed run follows the schedule of its *config*, not silently the one
saved in the checkpoint.

mmengine's ``Runner.resume`` loads the optimizer's param groups (lr,
momentum, weight decay ...) and the schedulers' states from the checkpoint,
so an lr changed in the config (e.g. lowered after a NaN) was ignored.  Here
the config's schedule is *replayed*: the freshly built param groups and
schedulers (as the Runner made them from the config, before loading) are
stepped through the iterations and epochs the checkpoint already trained,
in the order ``ParamSchedulerHook`` steps them.  If the result equals the
checkpoint's values bit for bit, nothing changed and the checkpoint's state
is kept (exact resume); otherwise the replayed values are used and every
changed value is logged.
"""
import copy
from typing import List, Tuple

import torch
from mmengine.optim import OptimWrapperDict
from mmengine.runner.loops import EpochBasedTrainLoop


def _optimizers(runner) -> list:
    wrapper = runner.optim_wrapper
    if isinstance(wrapper, OptimWrapperDict):
        return [w.optimizer for w in wrapper.values()]
    return [wrapper.optimizer]


def _schedulers(runner) -> list:
    scheds = runner.param_schedulers
    if scheds is None:
        return []
    if isinstance(scheds, dict):
        return [s for group in scheds.values() for s in group]
    return list(scheds)


def snapshot(runner) -> Tuple[List[list], List[dict]]:
    """The param groups' hyper-parameters and the schedulers' states."""
    groups = [[{
        k: copy.deepcopy(v)
        for k, v in g.items() if k != 'params'
    } for g in opt.param_groups] for opt in _optimizers(runner)]
    states = [copy.deepcopy(s.state_dict()) for s in _schedulers(runner)]
    return groups, states


def restore(runner, snap) -> None:
    groups, states = snap
    for opt, saved in zip(_optimizers(runner), groups):
        for group, values in zip(opt.param_groups, saved):
            group.update(copy.deepcopy(values))
    for sched, state in zip(_schedulers(runner), states):
        sched.load_state_dict(copy.deepcopy(state))


def replay(runner) -> None:
    """Step the schedulers through the trained iterations and epochs as
    ``ParamSchedulerHook`` did (iteration schedulers after every iteration,
    epoch schedulers after every epoch)."""
    scheds = [
        s for s in _schedulers(runner)
        if not getattr(s, 'need_val_args', False)
    ]
    by_iter = [s for s in scheds if not s.by_epoch]
    by_epoch = [s for s in scheds if s.by_epoch]
    loop = runner.train_loop
    per_epoch = len(loop.dataloader) if isinstance(
        loop, EpochBasedTrainLoop) and by_epoch else 0
    done = 0
    for i in range(runner.iter):
        for s in by_iter:
            s.step()
        if per_epoch and (i + 1) % per_epoch == 0 and done < runner.epoch:
            for s in by_epoch:
                s.step()
            done += 1
    for _ in range(done, runner.epoch):
        for s in by_epoch:
            s.step()


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return isinstance(a, torch.Tensor) and isinstance(
            b, torch.Tensor) and torch.equal(a, b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _changes(loaded, replayed, names) -> List[str]:
    """What differs: param-group values first, then scheduler states."""
    out = []
    for o, (old_groups, new_groups) in enumerate(zip(loaded[0], replayed[0])):
        for g, (old, new) in enumerate(zip(old_groups, new_groups)):
            for key in sorted(set(old) & set(new)):
                if not _same(old[key], new[key]):
                    where = f'group {g}' if len(loaded[0]) == 1 else \
                        f'optimizer {o} group {g}'
                    out.append(f'{where} {key}: {old[key]!r} -> '
                               f'{new[key]!r}')
    for i, (old, new) in enumerate(zip(loaded[1], replayed[1])):
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new or not _same(
                    old[key], new[key]):
                out.append(f'scheduler {i} ({names[i]}) {key}: '
                           f'{old.get(key)!r} -> {new.get(key)!r}')
    return out


def apply_config_schedule(runner, fresh) -> List[str]:
    """After ``resume``: replay the config's schedule from ``fresh`` (the
    :func:`snapshot` taken before loading) and keep it if it differs from
    the checkpoint's - in a param group's values now or in a scheduler's
    state (e.g. a moved milestone that matters only later); returns the
    changes (empty: the checkpoint's state is kept as loaded)."""
    loaded = snapshot(runner)
    restore(runner, fresh)
    replay(runner)
    replayed = snapshot(runner)
    names = [type(s).__name__ for s in _schedulers(runner)]
    changes = _changes(loaded, replayed, names)
    if not changes:
        restore(runner, loaded)
    return changes
