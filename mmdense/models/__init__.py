"""Algorithms, necks, heads, losses and memories of mmdense."""
from . import algorithms, heads, losses, memories, necks, utils  # noqa: F401
