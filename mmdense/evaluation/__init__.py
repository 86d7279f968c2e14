"""Metrics and result tables of the transfer benchmarks."""
from .results import aggregate, last_metrics, markdown_table, write_results
from .voc_metric import Detectron2VOCMetric

__all__ = [
    'aggregate', 'last_metrics', 'markdown_table', 'write_results',
    'Detectron2VOCMetric'
]
