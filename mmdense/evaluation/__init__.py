"""Metrics and result tables of the transfer benchmarks."""
from .results import aggregate, last_metrics, markdown_table, write_results

__all__ = ['aggregate', 'last_metrics', 'markdown_table', 'write_results']
