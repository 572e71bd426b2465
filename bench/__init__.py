"""Benchmarks: run with `make bench`; they print tables and never assert timings."""
