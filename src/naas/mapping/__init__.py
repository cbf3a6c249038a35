"""Mappings: per-level tiling and loop order plus spatial unrolling, their I/O and mappers."""

from naas.mapping.mapping import LEVELS, Mapping, MappingBatch

__all__ = ["LEVELS", "Mapping", "MappingBatch"]
