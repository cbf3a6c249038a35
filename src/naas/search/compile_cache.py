"""Whether the compiled search kernels are in numba's on-disk cache yet: the first search after
an install or an upgrade compiles them (a minute or two on two cores), later ones load them."""

from __future__ import annotations

from pathlib import Path

import numba


def first_compile_pending() -> bool:
    """True when no cached build of the compiled search is on disk (numba's cache folder, which
    ``naas.cost.batched`` keys on the naas sources, or the sources' __pycache__)."""
    import naas.cost.batched  # noqa: F401 - points numba's cache folder at the naas sources' hash
    from naas.search import compiled_search

    folder = Path(numba.config.CACHE_DIR) if numba.config.CACHE_DIR else Path(compiled_search.__file__).parent
    return not any(folder.rglob("compiled_search._search_all-*.nbi"))
