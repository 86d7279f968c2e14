from .checkpoint import trusted_checkpoint_loading
from .config import apply_cpu_fallbacks
from .dist import init_cpu_dist_if_needed
from .setup_env import register_all_modules

__all__ = [
    'register_all_modules', 'init_cpu_dist_if_needed', 'apply_cpu_fallbacks',
    'trusted_checkpoint_loading'
]
