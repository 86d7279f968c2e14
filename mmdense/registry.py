"""Registries of mmdense, in scope ``mmdense``.

Each one is a child of the mmpretrain registry of the same name, so a config
with ``default_scope = 'mmdense'`` finds our modules first and falls back to
mmpretrain's (``ResNet``, ``MultiView``, ``DenseCL``...).  Other toolboxes are
reached with an explicit scope: ``type='mmdet.FPN'``.
"""
from mmengine.registry import Registry
from mmpretrain import registry as mmpretrain_registry

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'BATCH_AUGMENTS', 'TASK_UTILS',
    'METRICS', 'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS'
]


def _child(name: str, location: str) -> Registry:
    parent = getattr(mmpretrain_registry, name)
    # importing our modules also imports mmpretrain's (a lookup that falls
    # back to the parent does not trigger the parent's own lazy import)
    return Registry(
        parent.name,
        parent=parent,
        scope='mmdense',
        locations=[location, *parent._locations])


RUNNERS = _child('RUNNERS', 'mmdense.engine')
RUNNER_CONSTRUCTORS = _child('RUNNER_CONSTRUCTORS', 'mmdense.engine')
LOOPS = _child('LOOPS', 'mmdense.engine')
HOOKS = _child('HOOKS', 'mmdense.engine')
LOG_PROCESSORS = _child('LOG_PROCESSORS', 'mmdense.engine')
OPTIMIZERS = _child('OPTIMIZERS', 'mmdense.engine')
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS', 'mmdense.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS',
                                    'mmdense.engine')
PARAM_SCHEDULERS = _child('PARAM_SCHEDULERS', 'mmdense.engine')
DATASETS = _child('DATASETS', 'mmdense.datasets')
DATA_SAMPLERS = _child('DATA_SAMPLERS', 'mmdense.datasets')
TRANSFORMS = _child('TRANSFORMS', 'mmdense.datasets')
MODELS = _child('MODELS', 'mmdense.models')
MODEL_WRAPPERS = _child('MODEL_WRAPPERS', 'mmdense.engine')
WEIGHT_INITIALIZERS = _child('WEIGHT_INITIALIZERS', 'mmdense.models')
BATCH_AUGMENTS = _child('BATCH_AUGMENTS', 'mmdense.models')
TASK_UTILS = _child('TASK_UTILS', 'mmdense.models')
METRICS = _child('METRICS', 'mmdense.evaluation')
EVALUATORS = _child('EVALUATORS', 'mmdense.evaluation')
VISUALIZERS = _child('VISUALIZERS', 'mmdense.engine')
VISBACKENDS = _child('VISBACKENDS', 'mmdense.engine')
