"""Building the Runner of a training or test run from its config."""
from mmengine.config import Config
from mmengine.registry import RUNNERS

from mmdense.utils import (apply_cpu_fallbacks, init_cpu_dist_if_needed,
                           register_all_modules)
from .runner import Runner


def build_runner(cfg: Config, trust: bool = False, strict: bool = False):
    """Register everything, keep the config's registry scope, start a CPU
    process group where needed and build the Runner (``runner_type`` or
    :class:`mmdense.engine.Runner`).  ``trust``: unpickle the checkpoint it
    resumes / loads in full (``--trust``); ``strict``: ``load_from`` must
    match the model exactly."""
    register_all_modules(init_default_scope=False)
    cfg.default_scope = cfg.get('default_scope', 'mmdense')
    init_cpu_dist_if_needed(cfg.launcher)
    apply_cpu_fallbacks(cfg, distributed=cfg.launcher != 'none')
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)
    runner.trust_checkpoints = trust
    runner.strict_load = strict
    return runner
