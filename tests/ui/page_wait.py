"""Waiting for a condition in the page without `page.wait_for_function`.

The UI is served with a Content Security Policy without 'unsafe-eval'. Playwright's
`wait_for_function` turns its predicate into a function inside the page; when the first try
fails it tries again from a timer, where the policy forbids that eval, and the test fails
with an EvalError instead of waiting (more often on a loaded machine). Each try here is a
fresh `page.evaluate`, which the DevTools protocol runs whatever the policy says.
"""

from __future__ import annotations

import time
from typing import Any

TIMEOUT_S = 30.0  # as Playwright's default
POLL_S = 0.05


def wait_until(page: Any, expression: str, arg: Any = None, timeout_s: float = TIMEOUT_S) -> Any:
    """Evaluate `expression` (a JavaScript function or expression, given `arg`) until it is
    truthy, and return that value; AssertionError naming it after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(expression, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s:g} s: {expression} (arg={arg!r})")
        time.sleep(POLL_S)
