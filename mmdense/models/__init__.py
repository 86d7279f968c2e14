"""Algorithms, necks, heads, losses and memories of mmdense."""
