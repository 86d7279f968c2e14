"""What tools/train.py and tools/test.py share: the common options, the
config they load and the Runner they build."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--work-dir', help='the dir for logs and outputs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. train_dataloader.batch_size=8')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args) -> Config:
    """The config with ``--cfg-options``, ``--launcher`` and the work dir
    (``--work-dir``, else the config's, else ``work_dirs/<config name>``)."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config "{args.config}" not found')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def build_runner(cfg: Config):
    """Register everything, keep the config's registry scope, start a CPU
    process group where needed and build the Runner (``runner_type`` or
    :class:`mmdense.engine.Runner`)."""
    from mmengine.registry import RUNNERS

    from mmdense.engine import Runner
    from .config import apply_cpu_fallbacks
    from .dist import init_cpu_dist_if_needed
    from .setup_env import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg.default_scope = cfg.get('default_scope', 'mmdense')
    init_cpu_dist_if_needed(cfg.launcher)
    apply_cpu_fallbacks(cfg, distributed=cfg.launcher != 'none')
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return Runner.from_cfg(cfg)
