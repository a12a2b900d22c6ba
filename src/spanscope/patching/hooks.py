"""Helpers of the callback-driven integrations (LlamaIndex, DSPy); no framework import here.

- `register`: add a framework hook so that `spanscope.patching.revert` removes it again;
- `parent_for`: which span a framework span goes under;
- `Activation`: make a framework span current while the framework runs its work;
- `Step`: a framework span with its activation, ended once whatever happens.

Generic: LlamaIndex, DSPy, Strands and the Google ADK use them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spanscope.patching.patch import CallHooks, safe_patch
from spanscope.safety import log_internal_error, logger
from spanscope.tracing.context import CURRENT_SPAN, RemoteParent
from spanscope.tracing.live_span import LiveSpan, NoOpSpan

__all__ = ["Activation", "Parent", "Step", "parent_for", "register"]

Parent = LiveSpan | NoOpSpan | RemoteParent | None
_NOT_SET: Any = object()


def _registered() -> None:
    """The placeholder `safe_patch` wraps; never called for anything."""


class _Registration:
    """A hook's handle in the patch table. `revert(integration)` deletes an attribute the
    patched object did not own, so the `hook` property's deleter is what removes the hook."""

    def __init__(self, remove: Callable[[], None]) -> None:
        self._remove = remove
        self._hook: Any = _registered

    @property
    def hook(self) -> Any:
        return self._hook

    @hook.setter
    def hook(self, value: Any) -> None:
        self._hook = value

    @hook.deleter
    def hook(self) -> None:
        try:
            self._remove()
        except Exception as exc:  # revert runs inside reset() and autolog(): never raise there
            logger.warning("spanscope: could not remove a framework hook (%s)", exc)


def register(integration: str, add: Callable[[], None], remove: Callable[[], None]) -> None:
    """Run `add` now and `remove` when `spanscope.patching.revert(integration)` runs (on
    `autolog(disable=True)`, on re-enabling, and on `spanscope.tracing.reset()`)."""
    add()
    safe_patch(integration, _Registration(remove), "hook", CallHooks())


def parent_for(framework_parent: LiveSpan | NoOpSpan | None) -> Parent:
    """The parent of a new framework span, given the span of the framework's own parent.

    The framework's parent wins, unless the current span is a live span that started inside
    it (a user's `@spanscope.trace` function called from a framework step): that one is the
    nearer ancestor. Without a (still running) framework parent, a run nests under the
    current span, so a framework call inside a user's span joins the user's trace.
    """
    current = CURRENT_SPAN.get()
    if isinstance(current, LiveSpan) and current.is_ended:
        current = None  # a span some code forgot to un-set; never attach to a finished trace
    if isinstance(framework_parent, NoOpSpan):
        return framework_parent  # the trace was sampled out: its descendants are too
    if framework_parent is None or framework_parent.is_ended:
        return current
    if (
        isinstance(current, LiveSpan)
        and current.trace_id == framework_parent.trace_id
        and current.start_time_ns >= framework_parent.start_time_ns
    ):
        return current
    return framework_parent


class Activation:
    """Makes a span current in the calling context, and gives the previous one back.

    No contextvar tokens: a framework may end a call in another context (a future's done
    callback, a stream consumed elsewhere) or out of order, where `reset(token)` raises. The
    previous span is given back only if this span is still the current one in that context.
    """

    __slots__ = ("_previous", "_span")

    def __init__(self, span: LiveSpan | NoOpSpan) -> None:
        self._span = span
        self._previous: Any = CURRENT_SPAN.get()
        CURRENT_SPAN.set(span)

    def close(self) -> None:
        if self._previous is _NOT_SET:
            return
        if CURRENT_SPAN.get() is self._span:
            CURRENT_SPAN.set(self._previous)
        self._previous = _NOT_SET


@dataclass(slots=True, eq=False)
class Step:
    """A framework step's span, current (`activation`) in the context that started it."""

    span: LiveSpan | NoOpSpan
    activation: Activation

    @classmethod
    def start(cls, span: LiveSpan | NoOpSpan) -> Step:
        return cls(span, Activation(span))

    def end(
        self,
        kind: str,
        error: BaseException | None,
        outputs: Callable[[], Any],
        end_time_ns: int | None = None,
    ) -> None:
        """End the span whatever happens, with `error` recorded and what `outputs()` gives as
        its outputs; an error of ours in `outputs` is reported afterwards under `kind`, so the
        span never stays open nor current. `end_time_ns` (None: now) is for a step known to
        have ended before; an error ends it now."""
        self.activation.close()
        result = None
        failure: Exception | None = None
        if error is not None:
            self.span.record_exception(error)
        try:
            result = outputs()
        except Exception as exc:
            failure = exc
        self.span.end(outputs=result, end_time_ns=None if error is not None else end_time_ns)
        if failure is not None:
            log_internal_error(kind, failure)
