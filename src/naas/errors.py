"""The one exception type the CLI turns into a one-line message instead of a traceback."""


class NaasError(ValueError):
    """Bad user input: the message names the field at fault and how to fix it."""


def field_error(field: str, message: str) -> NaasError:
    """A NaasError that starts with the name of the offending field."""
    return NaasError(f"{field}: {message}")


def require_positive_int(value: object, field: str) -> int:
    """``value`` as an int >= 1, or a NaasError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise field_error(field, f"must be a positive integer, got {value!r}")
    if int(value) < 1:
        raise field_error(field, f"must be >= 1, got {value!r}")
    return int(value)


def require_positive_number(value: object, field: str) -> float:
    """``value`` as a float > 0, or a NaasError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise field_error(field, f"must be a positive number, got {value!r}")
    if not value > 0:
        raise field_error(field, f"must be > 0, got {value!r}")
    return float(value)
