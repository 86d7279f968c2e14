"""What the tools share: one-line errors (:func:`run_cli`, ``--debug``),
and for tools/train.py and tools/test.py the common options, the config
they load and the Runner they build."""
import argparse
import os
import os.path as osp
import sys
from typing import Callable, Optional

from mmengine.config import Config, DictAction

DEBUG_ENV = 'MMDENSE_DEBUG'


def add_debug_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        '--debug',
        action='store_true',
        help=f'show the full traceback of an error (also {DEBUG_ENV}=1); '
        'without it an error is one line naming what to fix')


def add_trust_arg(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        '--trust',
        action='store_true',
        help=f'unpickle {what} in full (it can run arbitrary code): only for '
        'a file from a source you trust that weights-only loading refuses '
        '(e.g. a stock mmengine / mmdet / mmseg training checkpoint)')


def _message(err: BaseException) -> str:
    if isinstance(err, KeyError) and len(err.args) == 1 and isinstance(
            err.args[0], str):
        text = err.args[0]  # str(KeyError) adds quotes
    else:
        text = str(err)
    from .checkpoint import CheckpointError
    expected = (CheckpointError, FileNotFoundError, ValueError, KeyError)
    names = {c.__name__ for c in type(err).__mro__}
    if isinstance(err, expected) or names & {
            'ConversionError', 'PretrainedLoadError', 'NonFiniteLossError'
    }:
        return text or type(err).__name__
    return (f'{type(err).__name__}: {text} (run with --debug or '
            f'{DEBUG_ENV}=1 for the traceback)')


def run_cli(main: Callable[[], Optional[int]]) -> None:
    """Run a tool's ``main()`` and exit with its status.  An exception is
    printed as one line ``error: ...`` on stderr (status 1) - an expected
    user error (a file, key, option or value to fix) as its message, any
    other with its type and how to see the traceback - unless ``--debug``
    is on the command line or ``MMDENSE_DEBUG`` is set, which re-raise."""
    debug = '--debug' in sys.argv[1:] or os.environ.get(DEBUG_ENV,
                                                        '') not in ('', '0')
    try:
        status = main()
    except Exception as err:  # noqa: B902  (SystemExit passes through)
        if debug:
            raise
        print(f'error: {_message(err)}', file=sys.stderr)
        sys.exit(1)
    sys.exit(status or 0)


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
    add_debug_arg(parser)


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
