"""The search levels: the mapping search (inner), the accelerator search and the connectivity
search around it (outer), their encodings, optimisers and checkpoints.

The package is also the front door's ``naas.search(networks, budget, ...)`` (``naas.api.search``):
a package and a function cannot share the name ``naas.search``, so calling the package calls it.
"""

import sys
import types


class _SearchPackage(types.ModuleType):
    def __call__(self, *args, **kwargs):
        from naas.api import search

        return search(*args, **kwargs)


sys.modules[__name__].__class__ = _SearchPackage
