"""Arithmetic stand-ins for ``x if c else y``, ``min`` and ``max`` that mean the same on Python
numbers, inside numba-compiled code and elementwise on torch tensors.

The cost-model rules are written with these instead of value-dependent branches so that one
definition serves the scalar reference, the numba kernel and the torch backend. Each result is
exact (one term is multiplied by 1, the other by 0), provided no argument is infinite or NaN.
"""

from __future__ import annotations

from numba.extending import register_jitable


@register_jitable
def pick(cond, if_true, if_false):
    """``if_true`` where ``cond`` holds, else ``if_false``."""
    c = cond * 1
    return c * if_true + (1 - c) * if_false


@register_jitable
def smaller(a, b):
    return pick(a < b, a, b)


@register_jitable
def larger(a, b):
    return pick(a > b, a, b)
