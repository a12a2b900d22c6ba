"""Error guards every integration uses: its own steps never break the user's call.

An error inside an integration's hook or callback is spanscope's own: it is logged once per
kind (re-raised under strict mode, so tests see it) and the library's call goes on with its
own result or exception.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from spanscope.patching.patch import CallHooks
from spanscope.safety import log_internal_error
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan

__all__ = ["await_traced", "call_guarded", "guarded"]

F = TypeVar("F", bound=Callable[..., None])


def call_guarded(kind: str, step: Callable[..., Any], *args: Any) -> None:
    """Run `step(*args)`; an error is reported under `kind` and swallowed."""
    try:
        step(*args)
    except Exception as exc:
        log_internal_error(kind, exc)


def guarded(kind: str) -> Callable[[F], F]:
    """Decorate a framework callback method so an error in it is reported under `kind`."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def run(*args: Any, **kwargs: Any) -> None:
            try:
                method(*args, **kwargs)
            except Exception as exc:
                log_internal_error(kind, exc)

        return cast(F, run)

    return decorate


async def await_traced(kind: str, hooks: CallHooks, state: Any, pending: Awaitable[Any]) -> Any:
    """Await the coroutine a patched call returned and trace it like the call it stands for.

    SDKs hide `async def` methods behind sync decorators (openai's and anthropic's
    `required_args`) and litellm returns a coroutine for `acompletion=True`, so the patch sees
    a sync call returning an awaitable. The call's span is current while it runs; its own
    exception goes to `hooks.error` and is re-raised unchanged; then `hooks.after(state,
    result)` gives what the caller gets (the result itself if `after` fails).
    """
    span = getattr(state, "span", None)
    token = CURRENT_SPAN.set(span) if isinstance(span, LiveSpan) else None
    try:
        result = await pending
    except BaseException as exc:
        if token is not None:
            CURRENT_SPAN.reset(token)
        call_guarded(kind, hooks.error, state, exc)
        raise
    if token is not None:
        CURRENT_SPAN.reset(token)
    try:
        return hooks.after(state, result)
    except Exception as exc:
        log_internal_error(kind, exc)
        return result
