"""The one place where spanscope's own errors are caught, logged once per kind, or re-raised.

Tracing never breaks the user's program: an error inside spanscope is logged at WARNING the
first time for its kind (DEBUG afterwards) and the user's call goes on. Under strict mode
(`SPANSCOPE_STRICT=1`, which the test suite sets) it is re-raised so tests see our bugs.

Every layer reports through here, so this module sits just above the entities and owns the
error-reporting state: kinds already warned about, the count of internal errors, and the
integrations whose warnings are silenced (`autolog(silent=True)`).
"""

from __future__ import annotations

import logging
import os
import threading
import time

from spanscope.constants import ENV_STRICT

__all__ = [
    "ERRORS",
    "ErrorState",
    "is_strict",
    "log_internal_error",
    "logger",
    "report_background_error",
    "reset",
    "set_silenced",
    "warn_once",
    "warn_rate_limited",
]

logger = logging.getLogger("spanscope")


class ErrorState:
    """What has been reported: one instance, `ERRORS`; `reset()` restores it."""

    def __init__(self) -> None:
        # Reentrant: a garbage-collected stream may report an error while this thread holds it.
        self.lock = threading.RLock()
        self.warned: set[str] = set()
        # Rate-limited warnings: monotonic time each kind was last logged at WARNING.
        self.last_warned: dict[str, float] = {}
        self.internal_errors = 0
        # Integration names whose internal errors log at DEBUG only.
        self.silenced: frozenset[str] = frozenset()


ERRORS = ErrorState()


def reset() -> None:
    """Forget warned kinds, zero the error count and un-silence every integration (tests)."""
    with ERRORS.lock:
        ERRORS.warned.clear()
        ERRORS.last_warned.clear()
        ERRORS.internal_errors = 0
        ERRORS.silenced = frozenset()


def is_strict() -> bool:
    return os.environ.get(ENV_STRICT, "").strip().lower() in ("1", "true", "yes")


def set_silenced(integration: str, silenced: bool) -> None:
    """Mute (or un-mute) warnings about internal errors of kinds "<integration> ..."."""
    with ERRORS.lock:
        names = set(ERRORS.silenced)
        if silenced:
            names.add(integration)
        else:
            names.discard(integration)
        ERRORS.silenced = frozenset(names)


def log_internal_error(kind: str, exc: BaseException | None = None) -> None:
    """Report an internal error of `kind`; re-raises it under strict mode."""
    with ERRORS.lock:
        ERRORS.internal_errors += 1
    if is_strict() and exc is not None:
        raise exc
    detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
    message = f"spanscope: internal error in {kind}; your program goes on{detail}"
    silent = any(kind.startswith(name + " ") for name in ERRORS.silenced)
    if not silent and _first(kind):
        logger.warning(message, exc_info=exc)
    else:
        logger.debug(message, exc_info=exc)


def report_background_error(kind: str, exc: BaseException) -> None:
    """Count and log an internal error of a background thread, where there is no caller to
    raise into (strict-mode tests read the count)."""
    with ERRORS.lock:
        ERRORS.internal_errors += 1
    logger.warning("spanscope: internal error in %s", kind, exc_info=exc)


def warn_rate_limited(kind: str, message: str, interval_s: float = 60.0) -> None:
    """Log `message` at WARNING at most once per `interval_s` for `kind` (DEBUG otherwise):
    for conditions that repeat, whose messages carry running totals."""
    now = time.monotonic()
    with ERRORS.lock:
        last = ERRORS.last_warned.get(kind)
        due = last is None or now - last >= interval_s
        if due:
            ERRORS.last_warned[kind] = now
    if due:
        logger.warning(message)
    else:
        logger.debug(message)


def warn_once(kind: str, message: str) -> None:
    """Log `message` at WARNING the first time for `kind`, at DEBUG afterwards."""
    if _first(kind):
        logger.warning(message)
    else:
        logger.debug(message)


def _first(kind: str) -> bool:
    with ERRORS.lock:
        if kind in ERRORS.warned:
            return False
        ERRORS.warned.add(kind)
        return True
