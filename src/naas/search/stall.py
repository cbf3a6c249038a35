"""The mapping search's stall rule, one definition for its compiled, torch-device and generic
paths: a generation is progress when its best beats the best so far by more than the fraction
``tolerance``; a search stops after ``patience`` generations without progress
(``MappingSearchConfig``)."""

from __future__ import annotations

from numba.extending import register_jitable


@register_jitable
def significant(value, best, tolerance):
    """Whether ``value`` beats ``best`` by more than the fraction ``tolerance`` (floats, numpy
    arrays or torch tensors; callable from compiled code)."""
    return value < best * (1.0 - tolerance)
