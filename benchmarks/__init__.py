"""Benchmarks: each module prints a markdown table recorded in BENCHMARKS.md."""
