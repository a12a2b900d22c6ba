"""The fluent API: `@trace`, `start_span`, and reading or updating the current trace."""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from contextvars import Token
from types import TracebackType
from typing import Any, TypeVar, overload

from spanscope.constants import TraceMetadataKey
from spanscope.entities.span_type import SpanType
from spanscope.exceptions import InvalidArgumentError
from spanscope.safety import log_internal_error, warn_once
from spanscope.tracing.context import CURRENT_SPAN, RemoteParent
from spanscope.tracing.export.queue import flush as flush_queue
from spanscope.tracing.inputs import InputCapture
from spanscope.tracing.live_span import NOOP_SPAN, LiveSpan, NoOpSpan
from spanscope.tracing.processor import encode_attributes
from spanscope.tracing.processor import start_span as _start
from spanscope.tracing.state import STATE

__all__ = [
    "flush",
    "get_active_trace_id",
    "get_current_active_span",
    "get_last_active_trace_id",
    "is_traced",
    "start_span",
    "tag_trace",
    "trace",
    "update_current_trace",
]

F = TypeVar("F", bound=Callable[..., Any])
_Current = LiveSpan | NoOpSpan | RemoteParent | None
_Opened = tuple[LiveSpan | NoOpSpan, Token[_Current]]


@overload
def trace(func: F, /) -> F: ...


@overload
def trace(
    func: None = None,
    /,
    *,
    name: str | None = None,
    span_type: str = SpanType.UNKNOWN,
    attributes: Mapping[str, Any] | None = None,
    output_reducer: Callable[[list[Any]], Any] | None = None,
) -> Callable[[F], F]: ...


def trace(
    func: Any = None,
    /,
    *,
    name: str | None = None,
    span_type: str = SpanType.UNKNOWN,
    attributes: Mapping[str, Any] | None = None,
    output_reducer: Callable[[list[Any]], Any] | None = None,
) -> Any:
    """Trace a function, coroutine function, generator or async generator as one span.

    Usable bare (`@trace`) or with options (`@trace(name=..., span_type="TOOL")`), on plain
    functions and on instance, class and static methods. Inputs are the bound arguments
    (without self / cls); outputs the return value, or for generators the yielded chunks
    (or `output_reducer(chunks)`). Exceptions are recorded and re-raised unchanged.
    """

    def decorate(fn: Any) -> Any:
        if isinstance(fn, (classmethod, staticmethod)):
            return type(fn)(decorate(fn.__func__))
        if not callable(fn):
            raise InvalidArgumentError(
                f"@spanscope.trace decorates functions and methods, got {type(fn).__name__}"
            )
        span_name = name or str(getattr(fn, "__name__", "span"))
        return _wrap(fn, span_name, span_type, attributes, output_reducer)

    if func is None:
        return decorate
    return decorate(func)


def _wrap(
    fn: Callable[..., Any],
    name: str,
    span_type: str,
    attributes: Mapping[str, Any] | None,
    output_reducer: Callable[[list[Any]], Any] | None,
) -> Callable[..., Any]:
    template = encode_attributes(span_type, attributes)
    capture = InputCapture(fn)
    state = STATE

    def open_span(args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Opened | None:
        try:
            span = _start(name, dict(template))
            if span is not NOOP_SPAN:
                span.set_inputs(capture(args, kwargs))
            return span, CURRENT_SPAN.set(span)
        except Exception as exc:
            log_internal_error("starting a span", exc)
            return None

    if inspect.isasyncgenfunction(fn):
        return _traced(_async_gen_wrapper(fn, open_span, output_reducer), fn)

    if inspect.isgeneratorfunction(fn):

        def gen_wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            if not state.enabled:
                return (yield from fn(*args, **kwargs))
            opened = open_span(args, kwargs)
            if opened is None:
                return (yield from fn(*args, **kwargs))
            span, token = opened
            CURRENT_SPAN.reset(token)  # current only while the generator body runs
            return (yield from _drive(fn(*args, **kwargs), span, output_reducer))

        return _traced(gen_wrapper, fn)

    if inspect.iscoroutinefunction(fn):

        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            if not state.enabled:
                return await fn(*args, **kwargs)
            try:
                span = _start(name, dict(template))
                if span is not NOOP_SPAN:
                    span.set_inputs(capture(args, kwargs))
                token = CURRENT_SPAN.set(span)
            except Exception as exc:
                log_internal_error("starting a span", exc)
                return await fn(*args, **kwargs)
            try:
                result = await fn(*args, **kwargs)
            except BaseException as exc:
                _close(span, token, exc, None)
                raise
            _close(span, token, None, result)
            return result

        return _traced(async_wrapper, fn)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not state.enabled:
            return fn(*args, **kwargs)
        try:
            span = _start(name, dict(template))
            if span is not NOOP_SPAN:
                span.set_inputs(capture(args, kwargs))
            token = CURRENT_SPAN.set(span)
        except Exception as exc:
            log_internal_error("starting a span", exc)
            return fn(*args, **kwargs)
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            _close(span, token, exc, None)
            raise
        _close(span, token, None, result)
        return result

    return _traced(wrapper, fn)


# Set on what @trace returns: spanscope.evaluate calls a traced predict_fn as it is (its span is
# the row's root) and wraps any other in a span of its own.
_TRACED = "__spanscope_traced__"


def _traced(wrapper: Callable[..., Any], fn: Callable[..., Any]) -> Callable[..., Any]:
    functools.update_wrapper(wrapper, fn)
    setattr(wrapper, _TRACED, True)
    return wrapper


def is_traced(fn: Any) -> bool:
    """True for a function decorated with @spanscope.trace (its calls start a span)."""
    return getattr(fn, _TRACED, False) is True


def _close(
    span: LiveSpan | NoOpSpan, token: Token[_Current], exc: BaseException | None, result: Any
) -> None:
    try:
        CURRENT_SPAN.reset(token)
        if span is not NOOP_SPAN:
            if exc is not None:
                span.record_exception(exc)
            span.end(outputs=result)
    except Exception as error:
        log_internal_error("ending a span", error)


def _finish(
    span: LiveSpan | NoOpSpan,
    chunks: list[Any],
    reducer: Callable[[list[Any]], Any] | None,
    exc: BaseException | None,
) -> None:
    if span is NOOP_SPAN:
        return
    try:
        outputs: Any = chunks
        if reducer is not None:
            try:
                outputs = reducer(chunks)
            except Exception as error:
                warn_once(
                    "output-reducer",
                    f"spanscope: output_reducer of span {span.name!r} raised "
                    f"{type(error).__name__}: {error}; the raw chunks were recorded instead",
                )
        if exc is not None and not isinstance(exc, GeneratorExit):
            span.record_exception(exc)
        span.end(outputs=outputs)
    except Exception as error:
        log_internal_error("ending a generator span", error)


def _drive(
    gen: Generator[Any, Any, Any],
    span: LiveSpan | NoOpSpan,
    reducer: Callable[[list[Any]], Any] | None,
) -> Generator[Any, Any, Any]:
    """Run `gen` with `span` current during each step; end the span when `gen` is done."""
    chunks: list[Any] = []
    to_send: Any = None
    to_throw: BaseException | None = None
    while True:
        token = CURRENT_SPAN.set(span)
        try:
            if to_throw is not None:
                thrown, to_throw = to_throw, None
                item = gen.throw(thrown)
            else:
                item = gen.send(to_send)
        except StopIteration as stop:
            _finish(span, chunks, reducer, None)
            return stop.value
        except BaseException as exc:
            _finish(span, chunks, reducer, exc)
            raise
        finally:
            CURRENT_SPAN.reset(token)
        chunks.append(item)
        try:
            to_send = yield item
        except GeneratorExit:
            # Closed or garbage-collected halfway: close the inner generator, end the span.
            token = CURRENT_SPAN.set(span)
            try:
                gen.close()
            finally:
                CURRENT_SPAN.reset(token)
                _finish(span, chunks, reducer, None)
            raise
        except BaseException as exc:
            to_throw = exc


def _async_gen_wrapper(
    fn: Callable[..., AsyncGenerator[Any, Any]],
    open_span: Callable[[tuple[Any, ...], dict[str, Any]], _Opened | None],
    reducer: Callable[[list[Any]], Any] | None,
) -> Callable[..., AsyncGenerator[Any, Any]]:
    async def agen_wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        opened = open_span(args, kwargs) if STATE.enabled else None
        span: LiveSpan | NoOpSpan = NOOP_SPAN
        if opened is not None:
            span = opened[0]
            CURRENT_SPAN.reset(opened[1])
        agen = fn(*args, **kwargs)
        chunks: list[Any] = []
        to_send: Any = None
        to_throw: BaseException | None = None
        while True:
            token = CURRENT_SPAN.set(span) if opened is not None else None
            try:
                if to_throw is not None:
                    thrown, to_throw = to_throw, None
                    item = await agen.athrow(thrown)
                else:
                    item = await agen.asend(to_send)
            except StopAsyncIteration:
                _finish(span, chunks, reducer, None)
                return
            except BaseException as exc:
                _finish(span, chunks, reducer, exc)
                raise
            finally:
                if token is not None:
                    CURRENT_SPAN.reset(token)
            chunks.append(item)
            try:
                to_send = yield item
            except GeneratorExit:
                token = CURRENT_SPAN.set(span) if opened is not None else None
                try:
                    await agen.aclose()
                finally:
                    if token is not None:
                        CURRENT_SPAN.reset(token)
                    _finish(span, chunks, reducer, None)
                raise
            except BaseException as exc:
                to_throw = exc

    return agen_wrapper


class SpanScope:
    """What `start_span` returns: a (sync or async) context manager yielding the LiveSpan."""

    __slots__ = ("_attributes", "_inputs", "_name", "_span", "_span_type", "_token")

    def __init__(
        self, name: str, span_type: str, attributes: Mapping[str, Any] | None, inputs: Any
    ) -> None:
        self._name = name
        self._span_type = span_type
        self._attributes = attributes
        self._inputs = inputs
        self._span: LiveSpan | NoOpSpan = NOOP_SPAN
        self._token: Token[_Current] | None = None

    def __enter__(self) -> LiveSpan | NoOpSpan:
        if not STATE.enabled:
            return NOOP_SPAN
        try:
            span = _start(self._name, encode_attributes(self._span_type, self._attributes))
            if self._inputs is not None and span is not NOOP_SPAN:
                span.set_inputs(self._inputs)
            self._token = CURRENT_SPAN.set(span)
            self._span = span
        except Exception as exc:
            log_internal_error("starting a span", exc)
        return self._span

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._token is not None:
                CURRENT_SPAN.reset(self._token)
                self._token = None
            span = self._span
            if isinstance(span, LiveSpan) and not span.is_ended:
                if exc is not None:
                    span.record_exception(exc)
                span.end()
        except Exception as error:
            log_internal_error("ending a span", error)

    async def __aenter__(self) -> LiveSpan | NoOpSpan:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)


def start_span(
    name: str = "span",
    span_type: str = SpanType.UNKNOWN,
    attributes: Mapping[str, Any] | None = None,
    inputs: Any = None,
) -> SpanScope:
    """A context manager (`with` or `async with`) that runs its block as a span.

    The span is a child of the current span, or the root of a new trace. An exception raised
    in the block is recorded on the span and propagates unchanged.
    """
    return SpanScope(name, span_type, attributes, inputs)


def get_current_active_span() -> LiveSpan | NoOpSpan | None:
    """The current span; a NoOpSpan inside a sampled-out trace; None outside any span."""
    current = CURRENT_SPAN.get()
    return current if isinstance(current, (LiveSpan, NoOpSpan)) else None


def get_active_trace_id() -> str | None:
    """The id of the trace the current span belongs to, or None."""
    current = CURRENT_SPAN.get()
    return current.trace_id if isinstance(current, LiveSpan) else None


def get_last_active_trace_id() -> str | None:
    """The id of the trace whose root span ended last in this process."""
    return STATE.last_trace_id


def update_current_trace(
    tags: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    session_id: str | None = None,
    user_id: str | None = None,
    request_preview: str | None = None,
    response_preview: str | None = None,
    client_request_id: str | None = None,
) -> None:
    """Set trace-level fields of the current trace. Values of tags and metadata become strings."""
    for label, mapping in (("tags", tags), ("metadata", metadata)):
        if mapping is not None and not isinstance(mapping, Mapping):
            raise InvalidArgumentError(
                f"update_current_trace({label}=...) takes a dict of str to str, "
                f"got {type(mapping).__name__}"
            )
    current = CURRENT_SPAN.get()
    if not isinstance(current, LiveSpan):
        if current is None:
            warn_once(
                "update-outside-trace",
                "spanscope: update_current_trace() called outside any span; nothing was set",
            )
        return
    buffer = current._buffer
    meta = {str(k): _text(v) for k, v in (metadata or {}).items()}
    if session_id is not None:
        meta[TraceMetadataKey.SESSION] = str(session_id)
    if user_id is not None:
        meta[TraceMetadataKey.USER] = str(user_id)
    buffer.update(tags={str(k): _text(v) for k, v in (tags or {}).items()}, metadata=meta)
    if request_preview is not None:
        buffer.request_preview = str(request_preview)
    if response_preview is not None:
        buffer.response_preview = str(response_preview)
    if client_request_id is not None:
        buffer.client_request_id = str(client_request_id)


def tag_trace(span: LiveSpan, tags: Mapping[str, str], metadata: Mapping[str, str]) -> None:
    """Add tags and metadata to the running trace `span` belongs to."""
    span._buffer.update(tags=dict(tags), metadata=dict(metadata))


def flush(timeout: float | None = None) -> bool:
    """Block until every trace ended so far is exported; False if `timeout` passed first."""
    return flush_queue(timeout)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)
