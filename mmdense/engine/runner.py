import copy
import os.path as osp
from typing import Optional

from mmengine.dist import master_only
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner as _MMEngineRunner

from mmdense.datasets.resumable import ResumableSampler, SeededDataset
from mmdense.registry import RUNNERS
from mmdense.utils.checkpoint import (atomic_path, checkpoint_problem,
                                      find_complete_checkpoint,
                                      trusted_checkpoint_loading)
from .pretrained import LoadPretrainedHook, check_pretrained_init_cfgs
from .reliability import (NonFiniteLossHook, ResumeStateHook,
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

    * **Trusted resume** on torch>=2.6: torch loads with
      ``weights_only=True``, but mmengine 0.10.7 pickles its ``HistoryBuffer``
      and numpy objects into ``message_hub``; a run's own checkpoint is
      trusted and :meth:`resume` loads it in full (see
      :mod:`mmdense.utils.checkpoint`).  ``load_from`` stays weights-only.
    * **Atomic checkpoints**: :meth:`save_checkpoint` writes a temporary file
      and renames it into place; ``CheckpointHook`` becomes
      :class:`~mmdense.engine.SafeCheckpointHook` (old checkpoints are
      removed after the new one is complete).
    * **Auto-resume** (``resume=True`` without ``load_from``; ``--resume``)
      takes the newest *complete* checkpoint of the work dir; newer
      truncated / corrupt ones are reported by path and skipped.
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

    def __init__(self, *args, **kwargs):
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
        if client_args is not None or not isinstance(
                get_file_backend(out_dir, backend_args=backend_args),
                LocalBackend):
            return super().save_checkpoint(out_dir, filename, *args,
                                           **kwargs)
        with atomic_path(osp.join(out_dir, filename)) as tmp:
            super().save_checkpoint(out_dir, osp.basename(tmp), *args,
                                    **kwargs)

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
            self.logger.info(f'resume: the newest complete checkpoint is '
                             f'{path}')
            self.resume(path)
            self._has_loaded = True
            return
        if self._resume and _local(self._load_from):
            problem = checkpoint_problem(self._load_from)
            if problem is not None:
                raise ValueError(
                    f'resume: checkpoint "{self._load_from}" is {problem}; '
                    'pass another one, or --resume without a value for the '
                    'newest complete one.')
        super().load_or_resume()

    def resume(self, *args, **kwargs):
        with trusted_checkpoint_loading():
            return super().resume(*args, **kwargs)
