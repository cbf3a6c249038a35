"""Plug-ins a search's settings name (cost models, optimisers): registered by a user under a
name, looked up when a search starts, an unknown name refused in one line."""

from __future__ import annotations

from typing import Any, Callable

from naas.errors import NaasError


class Registry:
    """The factories of one ``kind`` of plug-in (the settings field's name, as error messages
    print it), each a callable of ``signature``; the ``built_in`` ones cannot be replaced.
    ``register_with`` names the function users call to register theirs."""

    def __init__(self, kind: str, signature: str, built_in: dict[str, Callable[..., Any]], register_with: str):
        self.kind, self.signature, self.register_with = kind, signature, register_with
        self._built_in = dict(built_in)
        self._factories = dict(built_in)

    def register(self, name: str, factory: Callable[..., Any]) -> None:
        """Make ``factory`` the one called ``name``; registering a name again replaces it (a
        notebook cell run twice), except a built-in one."""
        if not isinstance(name, str) or not name:
            raise NaasError(f"{self.kind}: a name must be a non-empty string")
        if name in self._built_in:
            raise NaasError(f"{self.kind}: {name!r} is built in; register yours under another name")
        if not callable(factory):
            raise NaasError(f"{self.kind}: {name!r} needs a callable {self.signature}")
        self._factories[name] = factory

    def factory(self, name: str) -> Callable[..., Any]:
        """The factory registered as ``name``."""
        if name not in self._factories:
            raise NaasError(f"{self.kind}: unknown {name!r}; choose one of {', '.join(sorted(self._factories))} or "
                            f"register yours with {self.register_with}")
        return self._factories[name]
