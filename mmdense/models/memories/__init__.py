from .memory_bank import MemoryBank
from .queue import ContrastQueue

__all__ = ['ContrastQueue', 'MemoryBank']
