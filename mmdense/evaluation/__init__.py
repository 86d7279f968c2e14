"""Metrics and result tables (filled by the transfer benchmarks)."""
