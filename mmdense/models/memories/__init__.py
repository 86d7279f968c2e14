from .queue import ContrastQueue

__all__ = ['ContrastQueue']
