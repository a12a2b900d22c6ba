"""The one place where spanscope's own errors are caught, logged once per kind, or re-raised.

Tracing never breaks the user's program: an error inside spanscope is logged at WARNING the
first time for its kind (DEBUG afterwards) and the user's call goes on. Under strict mode
(`SPANSCOPE_STRICT=1`, which the test suite sets) it is re-raised so tests see our bugs.
"""

from __future__ import annotations

import logging
import os

from spanscope.constants import ENV_STRICT
from spanscope.tracing.state import STATE

__all__ = ["is_strict", "log_internal_error", "logger", "warn_once"]

logger = logging.getLogger("spanscope")


def is_strict() -> bool:
    return os.environ.get(ENV_STRICT, "").strip().lower() in ("1", "true", "yes")


def log_internal_error(kind: str, exc: BaseException | None = None) -> None:
    """Report an internal error of `kind`; re-raises it under strict mode."""
    STATE.internal_errors += 1
    if is_strict() and exc is not None:
        raise exc
    detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
    message = f"spanscope: internal error in {kind}; your program goes on{detail}"
    silent = any(kind.startswith(name + " ") for name in STATE.silent_integrations)
    if not silent and _first(kind):
        logger.warning(message, exc_info=exc)
    else:
        logger.debug(message, exc_info=exc)


def warn_once(kind: str, message: str) -> None:
    """Log `message` at WARNING the first time for `kind`, at DEBUG afterwards."""
    if _first(kind):
        logger.warning(message)
    else:
        logger.debug(message)


def _first(kind: str) -> bool:
    with STATE.lock:
        if kind in STATE.warned:
            return False
        STATE.warned.add(kind)
        return True
