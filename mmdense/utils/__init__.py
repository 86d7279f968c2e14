from .checkpoint import (CheckpointError, load_checkpoint_file,
                         save_checkpoint_file)
from .config import apply_cpu_fallbacks
from .dist import init_cpu_dist_if_needed
from .setup_env import register_all_modules

__all__ = [
    'register_all_modules', 'init_cpu_dist_if_needed', 'apply_cpu_fallbacks',
    'CheckpointError', 'load_checkpoint_file', 'save_checkpoint_file'
]
