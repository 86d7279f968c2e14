"""Algorithms, necks, heads, losses and memories of mmdense."""
from . import (algorithms, data_preprocessors, heads, losses, memories, necks,
               utils)

__all__ = [
    'algorithms', 'data_preprocessors', 'heads', 'losses', 'memories', 'necks',
    'utils'
]
