"""Measurements: codec benchmarks now; link sweeps later."""
