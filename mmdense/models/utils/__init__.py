"""Helpers shared by the algorithms and heads of ``mmdense.models``."""
from .corruption import encode_with_corruption, shuffle_positions

__all__ = ['encode_with_corruption', 'shuffle_positions']
