"""safe_patch / revert: the one place where spanscope monkey-patches a library.

A patched function calls the original exactly once, with the caller's own arguments, and
returns its own result or raises its own exception. What an integration does around the
call lives in `CallHooks`; an error there is spanscope's own: it is logged once per kind (raised
under strict mode) and the call goes on untraced. `revert` restores the exact original objects.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spanscope.safety import log_internal_error
from spanscope.tracing.context import CURRENT_SPAN
from spanscope.tracing.live_span import LiveSpan
from spanscope.tracing.state import STATE, on_reset

__all__ = ["PATCHES", "SKIP", "CallHooks", "is_patched", "reset", "revert", "safe_patch"]

_MARKER = "__spanscope_patch__"


class _Skip:
    def __repr__(self) -> str:
        return "SKIP"


SKIP: Any = _Skip()
"""Returned by `CallHooks.before` to leave one call untraced."""


class CallHooks:
    """What an integration does around one call of a patched function.

    `before` returns a state (SKIP for no tracing); if the state has a `span` attribute holding
    a LiveSpan, that span is current while the original runs, so nested calls nest under it.
    `after` returns the result the caller gets: the original result, or the library's own
    object with its stream wrapped in place. `error` sees the caller's exception.
    """

    def before(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return SKIP

    def after(self, state: Any, result: Any) -> Any:
        return result

    def error(self, state: Any, exc: BaseException) -> None:
        pass


@dataclass(frozen=True, slots=True)
class _Patch:
    owner: Any
    name: str
    original: Any  # what owner.__dict__ held (a function, staticmethod...), or None
    had_own: bool
    patched: Any


class PatchTable:
    """Every patch in force, by integration name: one instance, `PATCHES`."""

    def __init__(self) -> None:
        self.by_integration: dict[str, list[_Patch]] = {}


PATCHES = PatchTable()


def safe_patch(integration: str, owner: Any, name: str, hooks: CallHooks) -> bool:
    """Patch `owner.name` (a class or module attribute); False if this integration already
    has. Sync and async functions get a wrapper of their own kind."""
    current = getattr(owner, name)
    if getattr(current, _MARKER, None) == integration:
        return False
    own = vars(owner).get(name) if hasattr(owner, "__dict__") else None
    had_own = name in vars(owner) if hasattr(owner, "__dict__") else True
    raw = own if had_own else current
    function = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else current
    wrapper = _wrap(integration, function, hooks)
    if isinstance(raw, staticmethod):
        replacement: Any = staticmethod(wrapper)
    elif isinstance(raw, classmethod):
        replacement = classmethod(wrapper)
    else:
        replacement = wrapper
    setattr(owner, name, replacement)
    PATCHES.by_integration.setdefault(integration, []).append(
        _Patch(owner, name, own, had_own, replacement)
    )
    return True


def revert(integration: str) -> None:
    """Undo every patch of `integration`, restoring the exact original objects."""
    for patch in reversed(PATCHES.by_integration.pop(integration, [])):
        if patch.had_own:
            setattr(patch.owner, patch.name, patch.original)
        else:
            delattr(patch.owner, patch.name)


def reset() -> None:
    """Revert every integration's patches (also run by `spanscope.tracing.reset()`)."""
    for integration in list(PATCHES.by_integration):
        revert(integration)


on_reset(reset)


def is_patched(integration: str) -> bool:
    return bool(PATCHES.by_integration.get(integration))


def _wrap(integration: str, original: Callable[..., Any], hooks: CallHooks) -> Callable[..., Any]:
    kind = f"{integration} autolog"

    def begin(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        # Not patched any more: a bound method captured while patched must stop tracing too.
        if not STATE.enabled or integration not in PATCHES.by_integration:
            return SKIP
        try:
            return hooks.before(args, kwargs)
        except Exception as exc:
            log_internal_error(kind, exc)
            return SKIP

    def failed(state: Any, exc: BaseException) -> None:
        try:
            hooks.error(state, exc)
        except Exception as error:
            log_internal_error(kind, error)

    def finish(state: Any, result: Any) -> Any:
        try:
            return hooks.after(state, result)
        except Exception as exc:
            log_internal_error(kind, exc)
            return result

    # SDKs wrap async methods in sync decorators (e.g. openai's and anthropic's `required_args`):
    # look through them, or the hooks would see a coroutine instead of the call's result.
    if inspect.iscoroutinefunction(original) or inspect.iscoroutinefunction(
        inspect.unwrap(original)
    ):

        @functools.wraps(original)
        async def async_patched(*args: Any, **kwargs: Any) -> Any:
            state = begin(args, kwargs)
            if state is SKIP:
                return await original(*args, **kwargs)
            token = _activate(state)
            try:
                result = await original(*args, **kwargs)
            except BaseException as exc:
                _deactivate(token)
                failed(state, exc)
                raise
            _deactivate(token)
            return finish(state, result)

        setattr(async_patched, _MARKER, integration)
        return async_patched

    @functools.wraps(original)
    def patched(*args: Any, **kwargs: Any) -> Any:
        state = begin(args, kwargs)
        if state is SKIP:
            return original(*args, **kwargs)
        token = _activate(state)
        try:
            result = original(*args, **kwargs)
        except BaseException as exc:
            _deactivate(token)
            failed(state, exc)
            raise
        _deactivate(token)
        return finish(state, result)

    setattr(patched, _MARKER, integration)
    return patched


def _activate(state: Any) -> Any:
    span = getattr(state, "span", None)
    return CURRENT_SPAN.set(span) if isinstance(span, LiveSpan) else None


def _deactivate(token: Any) -> None:
    if token is not None:
        CURRENT_SPAN.reset(token)
