"""mmdense: self-supervised dense contrastive pre-training for OpenMMLab."""
from .version import __version__

__all__ = ['__version__']
