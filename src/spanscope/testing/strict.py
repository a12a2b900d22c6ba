"""Strict mode: spanscope's internal errors are raised instead of logged."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from spanscope.constants import ENV_STRICT

__all__ = ["strict_mode"]


@contextmanager
def strict_mode(enabled: bool = True) -> Iterator[None]:
    """Within the block, internal errors raise (enabled) or are only logged (not enabled)."""
    previous = os.environ.get(ENV_STRICT)
    os.environ[ENV_STRICT] = "1" if enabled else "0"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ENV_STRICT, None)
        else:
            os.environ[ENV_STRICT] = previous
