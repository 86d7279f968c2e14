import copy
import os
import os.path as osp
import re
from typing import Optional

from mmengine.dist import is_main_process, master_only
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner as _MMEngineRunner
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from mmpretrain.utils import get_ori_model

from mmdense.datasets.resumable import ResumableSampler, SeededDataset
from mmdense.registry import RUNNERS
# yapf: disable
from mmdense.utils.checkpoint import (CheckpointError, atomic_path,
                                      checkpoint_problem,
                                      find_complete_checkpoint,
                                      load_checkpoint_file, seal,
                                      stale_temp_files,
                                      training_checkpoint_problem)
# yapf: enable
from mmdense.weights import check_pretrained_init_cfgs, key_diff
from . import resume_schedule
from .health import checkpoint_health, param_absmax
from .hooks import (LoadPretrainedHook, NonFiniteLossHook, ResumeStateHook,
                    SafeCheckpointHook, TrainingChecksHook)

_CHECKPOINT_HOOKS = ('CheckpointHook', 'mmengine.CheckpointHook',
                     CheckpointHook)


def _local(path) -> bool:
    return isinstance(path, str) and '://' not in path


def _init_cfg_checkpoints(cfg, key: str):
    """(key path, checkpoint) of every ``init_cfg=dict(type='Pretrained',
    checkpoint=...)`` in a model config."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'Pretrained' and 'checkpoint' in cfg:
            yield f'{key}.checkpoint', cfg['checkpoint']
        for k, v in cfg.items():
            yield from _init_cfg_checkpoints(v, f'{key}.{k}')
    elif isinstance(cfg, (list, tuple)):
        for i, v in enumerate(cfg):
            yield from _init_cfg_checkpoints(v, f'{key}[{i}]')


def check_checkpoint_paths(cfg, load_from: Optional[str],
                           resume: bool) -> None:
    """One clear error for a checkpoint path that does not exist: the resume
    / ``load_from`` file, the fine-tuning ``pretrained`` weights, or an
    ``init_cfg`` ``Pretrained`` checkpoint of the model."""
    if _local(load_from) and not osp.isfile(load_from):
        if resume:
            raise FileNotFoundError(
                f'resume: checkpoint "{load_from}" does not exist; pass an '
                'existing file to --resume, or --resume without a value to '
                'continue from the newest complete checkpoint of the work '
                'dir.')
        raise FileNotFoundError(
            f'load_from: checkpoint "{load_from}" does not exist; set '
            'load_from to an existing file (or None).')
    if cfg is None:
        return
    pretrained = cfg.get('pretrained')
    if _local(pretrained) and not osp.isfile(pretrained):
        raise FileNotFoundError(
            f'pretrained: checkpoint "{pretrained}" does not exist; set '
            'pretrained=PATH (--cfg-options pretrained=...) to weights '
            'exported by tools/model_converters/extract_transfer_weights.py.')
    for key, path in _init_cfg_checkpoints(cfg.get('model'), 'model'):
        if _local(path) and not osp.isfile(path):
            raise FileNotFoundError(
                f'{key}: checkpoint "{path}" does not exist; fix the path or '
                'remove the init_cfg.')


@RUNNERS.register_module()
class Runner(_MMEngineRunner):
    """mmengine's Runner, made safe to kill and resume (``docs/resume.md``).

    * **Weights-only checkpoints**: every checkpoint is written with plain
      values only (the message hub's ``HistoryBuffer`` logs and numpy values
      encoded) plus a tensor digest, and every load (resume, ``load_from``)
      is weights-only, CRC- and digest-checked
      (:mod:`mmdense.utils.checkpoint`); ``trust_checkpoints = True`` (the
      tools' ``--trust``) unpickles in full, for stock mmengine files.
    * **Healthy checkpoints**: each checkpoint records whether all its
      tensors and logged losses are finite (``meta['healthy']``); the
      newest healthy one is ``last_good_ckpt``, named by the NaN guard and
      never pruned by ``max_keep_ckpts``.
    * **The config's schedule** is applied on resume: a changed lr /
      momentum / weight decay / scheduler is replayed to the resumed
      iteration and logged (:mod:`mmdense.engine.resume_schedule`).
    * ``strict_load = True`` (``tools/test.py``): ``load_from`` must match
      the model key for key.
    * **Atomic checkpoints**: :meth:`save_checkpoint` writes a temporary file
      and renames it into place; ``CheckpointHook`` becomes
      :class:`~mmdense.engine.SafeCheckpointHook` (old checkpoints are
      removed after the new one is complete).
    * **Auto-resume** (``resume=True`` without ``load_from``; ``--resume``)
      takes the complete training checkpoint of the work dir with the
      highest iteration; every other candidate file (truncated, corrupt,
      exported weights, pickled objects, unhealthy) is reported by path
      and skipped.
    * **Exact resume**: the train dataloader's sampler and dataset are
      wrapped (:mod:`mmdense.datasets.resumable`: per-sample augmentation
      seeds, a sampler that starts at the saved position; not with a custom
      ``batch_sampler``) and
      :class:`~mmdense.engine.ResumeStateHook` saves / restores random
      states and the data position.
    * :class:`~mmdense.engine.NonFiniteLossHook` and
      :class:`~mmdense.engine.TrainingChecksHook` are always registered; a
      missing checkpoint path (resume, ``load_from``, ``pretrained``,
      ``init_cfg``) fails when the runner is built, and so does an
      ``init_cfg`` ``Pretrained`` file that matches no tensor of its module
      (an mmdense export without ``prefix=``, mmseg's ``model.pretrained``)
      and a ``pretrained`` that no ``LoadPretrainedHook`` would load.
    """

    #: unpickle checkpoints in full (the tools' ``--trust``); never a config
    #: key: a config cannot switch it on
    trust_checkpoints = False
    #: ``load_from`` must match the model exactly (``tools/test.py``)
    strict_load = False

    def __init__(self, *args, **kwargs):
        self._resuming = False
        self._saving_path = None
        self._saving_healthy = False
        self._loaded_healthy = None
        check_checkpoint_paths(
            kwargs.get('cfg'), kwargs.get('load_from'),
            bool(kwargs.get('resume')))
        super().__init__(*args, **kwargs)
        check_pretrained_init_cfgs(self.model)

    # ------------------------------------------------------------- hooks
    def register_hook(self, hook, priority=None) -> None:
        if isinstance(hook, dict) and hook.get('type') in _CHECKPOINT_HOOKS:
            hook = dict(hook, type=SafeCheckpointHook)
        super().register_hook(hook, priority)

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        super().register_hooks(default_hooks, custom_hooks)
        for cls in (ResumeStateHook, NonFiniteLossHook, TrainingChecksHook):
            if not any(isinstance(h, cls) for h in self._hooks):
                self.register_hook(cls())
        pretrained = self.cfg.get('pretrained')
        if pretrained is not None and not any(
                isinstance(h, LoadPretrainedHook) for h in self._hooks):
            # a child config's `custom_hooks = [...]` replaces its base's
            # list, LoadPretrainedHook included: the run would start from
            # random init while the user believes the weights loaded
            raise ValueError(
                f'pretrained={pretrained!r} is set but no LoadPretrainedHook '
                'is registered to load it (custom_hooks replaced the base '
                "config's list?): add dict(type='mmdense.engine."
                "LoadPretrainedHook', ...) to custom_hooks, or set "
                'pretrained=None for random init.')

    # ---------------------------------------------------------- the data
    def build_train_loop(self, loop):
        loader = self._train_dataloader
        if isinstance(loader, dict) and loader.get('batch_sampler') is None \
                and isinstance(loader.get('sampler'), dict) and \
                loader['sampler'].get('type') not in ('ResumableSampler',
                                                      ResumableSampler):
            loader = copy.copy(loader)
            loader['sampler'] = dict(
                type=ResumableSampler, sampler=loader['sampler'])
            loader['dataset'] = dict(
                type=SeededDataset, dataset=loader['dataset'])
            self._train_dataloader = loader
        return super().build_train_loop(loop)

    # ------------------------------------------------------- checkpoints
    @master_only
    def save_checkpoint(self, out_dir: str, filename: str, *args,
                        **kwargs) -> None:
        backend_args = kwargs.get('backend_args')
        client_args = args[0] if args else kwargs.get('file_client_args')
        self._saving_path = osp.join(out_dir, filename)
        try:
            if client_args is not None or not isinstance(
                    get_file_backend(out_dir, backend_args=backend_args),
                    LocalBackend):
                return super().save_checkpoint(out_dir, filename, *args,
                                               **kwargs)
            with atomic_path(osp.join(out_dir, filename)) as tmp:
                super().save_checkpoint(out_dir, osp.basename(tmp), *args,
                                        **kwargs)
        finally:
            healthy, self._saving_path = self._saving_healthy, None
        if healthy:
            self.message_hub.update_info(
                'last_good_ckpt', osp.abspath(osp.join(out_dir, filename)))

    def _ori_model(self):
        return get_ori_model(self.model)

    def call_hook(self, fn_name: str, **kwargs) -> None:
        if fn_name == 'before_train' and self.message_hub.get_info(
                'param_absmax_ref') is None:
            # the health reference, kept by resumed runs
            self.message_hub.update_info('param_absmax_ref',
                                         param_absmax(self._ori_model()))
        super().call_hook(fn_name, **kwargs)
        if fn_name == 'before_save_checkpoint':
            self._seal(kwargs['checkpoint'])

    def _seal(self, checkpoint: dict) -> None:
        """After every hook has added its part: record health, make the
        checkpoint weights-only loadable and add its tensor digest."""
        model = self._ori_model()
        problem = checkpoint_health(
            checkpoint, [n for n, _ in model.named_parameters()],
            self.message_hub.get_info('param_absmax_ref'))
        self._saving_healthy = problem is None
        meta = checkpoint.setdefault('meta', {})
        meta['healthy'] = problem is None
        if problem is not None:
            meta['unhealthy'] = problem
            self.logger.warning(
                f'checkpoint {self._saving_path}: {problem}; it is not '
                'a good checkpoint to resume from.')
        elif self._saving_path is not None:
            info = checkpoint.get('message_hub', {}).get('runtime_info')
            if isinstance(info, dict):
                info['last_good_ckpt'] = osp.abspath(self._saving_path)
        dropped = seal(checkpoint)
        if dropped:
            self.logger.warning(
                'checkpoint: not saved (no weights-only form): ' +
                ', '.join(dropped))

    def load_checkpoint(self,
                        filename: str,
                        map_location='cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):
        """mmengine's, loading weights-only (:func:`load_checkpoint_file`;
        ``trust_checkpoints`` unpickles in full) and, with ``strict_load``,
        failing on any key that does not match."""
        checkpoint = load_checkpoint_file(
            filename, trust=self.trust_checkpoints, option='--trust')
        if self._resuming:
            problem = training_checkpoint_problem(checkpoint)
            if problem is not None:
                raise CheckpointError(
                    f'resume: {filename} is {problem}; resume needs a '
                    'training checkpoint (iter_N.pth / epoch_N.pth); weights '
                    'go to load_from= or pretrained=.')
        elif not isinstance(checkpoint, dict):
            raise CheckpointError(
                f'load_from: {filename} is a bare '
                f'{type(checkpoint).__name__}, not a checkpoint dict')
        meta = checkpoint.get('meta')
        if isinstance(meta, dict):
            # mmengine's resume parses meta['config'] as Python
            # (Config.fromstring executes it): never from a file
            meta.pop('config', None)
            self._loaded_healthy = meta.get('healthy')
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = get_ori_model(self.model)
        if not self._resuming:
            self._check_keys(model, checkpoint, filename, revise_keys)
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def _check_keys(self, model, checkpoint, filename, revise_keys) -> None:
        state = checkpoint.get('state_dict', checkpoint)
        if not isinstance(state, dict):
            raise CheckpointError(f'load_from: {filename} has no state_dict')
        given = set()
        for key in state:
            for pattern, repl in revise_keys:
                key = re.sub(pattern, repl, key)
            given.add(key)
        own = set(model.state_dict())
        missing, unexpected = own - given, given - own
        if not own & given:
            theirs = sorted({k.split('.')[0] for k in given})[:6]
            ours = sorted({k.split('.')[0] for k in own})[:6]
            raise CheckpointError(
                f'load_from: no tensor of {filename} matches the model (its '
                f'keys start with {theirs}, the model\'s with {ours}); the '
                'model would keep its random init.')
        if self.strict_load and (missing or unexpected):
            hint = ''
            if isinstance(checkpoint.get('meta'), dict) and \
                    'transfer' in checkpoint['meta']:
                hint = (' It is a pre-training checkpoint: fine-tune it '
                        'first (tools/transfer.py) and evaluate that run\'s '
                        'checkpoint.')
            raise CheckpointError(
                f'{filename} does not match the model of the config: '
                f'{len(missing)} model keys missing from it, '
                f'{len(unexpected)} keys it has that the model does not.'
                f'{hint} Pass --allow-partial to evaluate a partly loaded '
                'model anyway.' + key_diff('missing', missing) +
                key_diff('unexpected', unexpected))

    def load_or_resume(self) -> None:
        if self._has_loaded:
            return
        if self._resume and self._load_from is None:
            path = find_complete_checkpoint(
                self.work_dir, warn=self.logger.warning)
            if path is None:
                self.logger.info(f'resume: no complete checkpoint in '
                                 f'{self.work_dir}; training from the start')
                return
            self.logger.info(f'resume: the complete checkpoint with the '
                             f'highest iteration is {path}')
            self.resume(path)
            self._has_loaded = True
            return
        if self._resume and _local(self._load_from):
            problem = checkpoint_problem(self._load_from)
            if problem is not None:
                raise CheckpointError(
                    f'resume: checkpoint "{self._load_from}" is {problem}; '
                    'pass another one, or --resume without a value for the '
                    'complete one with the highest iteration.')
        super().load_or_resume()

    def resume(self,
               filename: str,
               resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location='default') -> None:
        fresh = resume_schedule.snapshot(self) if resume_optimizer and \
            resume_param_scheduler else None
        self._resuming = True
        try:
            super().resume(filename, resume_optimizer, resume_param_scheduler,
                           map_location)
        finally:
            self._resuming = False
        if self._loaded_healthy and _local(filename):
            self.message_hub.update_info('last_good_ckpt',
                                         osp.abspath(filename))
        if fresh is not None:
            changes = resume_schedule.apply_config_schedule(self, fresh)
            if changes:
                self.logger.warning(
                    'resume: the config\'s optimizer / schedule differs from '
                    f'the checkpoint\'s; continuing at iteration {self.iter} '
                    'with the config\'s, replayed from the start: ' +
                    '; '.join(changes[:8]) +
                    (f' (+{len(changes) - 8} more)' if len(changes) > 8 else ''
                     ))

    # ------------------------------------------------------------ start
    def train(self):
        if is_main_process():
            self._remove_stale_temp_files()
        return super().train()

    def _remove_stale_temp_files(self) -> None:
        stale = stale_temp_files(self.work_dir)
        if not stale:
            return
        size = sum(os.stat(p).st_size for p in stale)
        for path in stale:
            os.unlink(path)
        self.logger.warning(
            f'removed {len(stale)} partial checkpoint file(s) left by killed '
            f'saves ({size / 2**20:.0f} MiB) in {self.work_dir}: ' +
            ', '.join(osp.basename(p) for p in stale))
