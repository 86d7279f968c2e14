"""A resumed run applies the config's schedule when it differs from the
checkpoint's (mmdense.engine.resume_schedule)."""
from types import SimpleNamespace

import torch


def test_a_moved_milestone_is_applied_on_resume():
    """Moving a MultiStepLR milestone from 6 to 4 changes nothing at the
    resumed iteration 3, only later: the scheduler states differ, so the
    config's schedule is taken, and iterations 4-6 get the lr of a fresh
    run with milestone 4.  An unchanged config keeps the loaded state."""
    from mmengine.optim import MultiStepLR, OptimWrapper

    from mmdense.engine.resume_schedule import apply_config_schedule, snapshot

    def runner(milestone, steps):
        param = torch.nn.Parameter(torch.zeros(1))
        wrapper = OptimWrapper(torch.optim.SGD([param], lr=0.1))
        sched = MultiStepLR(
            wrapper, milestones=[milestone], gamma=0.1, by_epoch=False)
        for _ in range(steps):
            sched.step()
        return SimpleNamespace(
            optim_wrapper=wrapper,
            param_schedulers=[sched],
            iter=steps,
            epoch=0,
            train_loop=SimpleNamespace())

    def lrs(r, n):
        out = []
        for _ in range(n):
            out.append(r.optim_wrapper.optimizer.param_groups[0]['lr'])
            r.param_schedulers[0].step()
        return out

    fresh = runner(4, 0)
    fresh_snap = snapshot(fresh)
    reference = lrs(runner(4, 0), 7)
    resumed = runner(6, 3)  # as loaded from the checkpoint
    changes = apply_config_schedule(resumed, fresh_snap)
    assert changes == [
        'scheduler 0 (MultiStepLR) milestones: Counter({6: 1}) -> '
        'Counter({4: 1})'
    ]
    assert lrs(resumed, 4) == reference[3:7]
    same = runner(6, 3)
    assert apply_config_schedule(same, snapshot(runner(6, 0))) == []
    assert lrs(same, 4) == lrs(runner(6, 0), 7)[3:7]
