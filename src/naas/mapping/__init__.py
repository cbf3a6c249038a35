"""Mappings: per-level tiling and loop order plus spatial unrolling, and their I/O (data only:
the mappers that choose them live in ``naas.search``)."""

from naas.mapping.mapping import LEVELS, Mapping, MappingBatch

__all__ = ["LEVELS", "Mapping", "MappingBatch"]
