"""Which checkpoints may unpickle Python objects (torch>=2.6 loads with
``weights_only=True`` by default).

Decision: a run's *own* checkpoints are trusted.  mmengine 0.10.7 pickles its
logging state into them (``HistoryBuffer`` objects whose state holds
``getattr`` references, numpy arrays), which no weights-only allow-list can
admit without admitting ``getattr``; so resuming (and evaluating a run's own
checkpoint with ``tools/test.py``) loads them with ``weights_only=False``
inside :func:`trusted_checkpoint_loading`.  Everything else (fine-tuning
inputs through ``load_from``, the model converters) stays weights-only, which
is why exported weights are plain tensors.
"""
import os
import warnings
from contextlib import contextmanager

_ENV = 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'


@contextmanager
def trusted_checkpoint_loading():
    """Within the block, ``torch.load`` calls that do not pass
    ``weights_only`` themselves (mmengine's) unpickle the full checkpoint."""
    previous = os.environ.get(_ENV)
    os.environ[_ENV] = '1'
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                'ignore', message='Environment variable ' + _ENV)
            yield
    finally:
        if previous is None:
            del os.environ[_ENV]
        else:
            os.environ[_ENV] = previous
