"""The one exception type the CLI turns into a one-line message instead of a traceback."""


class NaasError(ValueError):
    """Bad user input: the message names the field at fault and how to fix it."""


def field_error(field: str, message: str) -> NaasError:
    """A NaasError that starts with the name of the offending field."""
    return NaasError(f"{field}: {message}")


def refuse_unknown_keys(data: dict, known: tuple[str, ...], where: str) -> None:
    """A NaasError naming the first key of ``data`` not in ``known``, with the nearest known
    name when one is close (a misspelt key must not fall back to a default silently)."""
    import difflib

    for key in data:
        if key not in known:
            near = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean {near[0]!r}?" if near else f"known keys: {', '.join(known)}"
            raise field_error(f"{where} {key}", f"unknown key; {hint}")
