"""User-caused errors: one line on stderr, a non-zero exit, no traceback."""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable


class FootsegError(Exception):
    """An error the user can fix (bad path, corrupt file, config value out of range).

    The message names the file or config key; entry points print it as one line.
    """


EXIT_USER_ERROR = 2


def exit_on_user_error(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a FootsegError raised by ``fn`` into ``error: <message>`` and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except FootsegError as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            sys.exit(EXIT_USER_ERROR)

    return wrapper


def require(condition: bool, message: str) -> None:
    """Raise FootsegError(message) unless condition holds; for config and input checks."""
    if not condition:
        raise FootsegError(message)


def require_choices(values: object, allowed: tuple[str, ...] | list[str], key: str, what: str) -> list:
    """Check that ``values`` is a non-empty list drawn from ``allowed``; the message names ``key``."""
    choices = ", ".join(allowed)
    require(
        isinstance(values, list) and len(values) > 0, f"{key} must be a non-empty list of {choices}, got {values!r}"
    )
    for value in values:  # type: ignore[union-attr]
        require(value in allowed, f"{key}: unknown {what} {value!r}; choose from {choices}")
    return values  # type: ignore[return-value]
