"""The integration conformance kit's checks: what every integration does for every operation it
declares (`integration_fixture.py`), against the fake provider servers.

Each check runs on a fresh tracing runtime and raises `ConformanceError` naming what it found;
`run_fixture` runs them all and returns one result per check and operation.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.span import Span
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.span_type import SpanType
from spanscope.entities.trace import Trace
from spanscope.patching.patch import PATCHES, is_patched
from spanscope.testing.capture import TraceCapture
from spanscope.testing.conformance.integration_fixture import IntegrationFixture, Operation
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.testing.strict import strict_mode
from spanscope.tracing.live_span import LiveSpan

__all__ = ["CHECKS", "Check", "CheckResult", "ConformanceError", "run_fixture"]

_PARENT = "conformance-parent"
_ROLES = {"system", "user", "assistant", "tool"}


class ConformanceError(AssertionError):
    """A check found the integration doing something else than the kit expects."""


@dataclass(frozen=True)
class CheckResult:
    integration: str
    check: str
    operation: str | None
    passed: bool
    message: str = ""


def _fail(message: str) -> None:
    raise ConformanceError(message)


# -- running an operation --------------------------------------------------------------------


@dataclass
class Outcome:
    """What the caller saw (result, chunks, exception) and when the call ran."""

    result: Any = None
    chunks: list[Any] | None = None
    error: BaseException | None = None
    start_ns: int = 0
    end_ns: int = 0


def _invoke(op: Operation, server: FakeLLMServer, chunks_wanted: int | None = None) -> Outcome:
    """Make the call as a caller would, consuming a stream (only `chunks_wanted` chunks of it,
    then closing it, if given)."""
    outcome = Outcome(start_ns=time.time_ns())
    try:
        if op.is_async:
            outcome.result, outcome.chunks = asyncio.run(_invoke_async(op, server, chunks_wanted))
        else:
            result = op.call(server)
            outcome.result = result
            if op.stream:
                outcome.chunks = _take(result, chunks_wanted)
    except Exception as exc:
        outcome.error = exc
    outcome.end_ns = time.time_ns()
    return outcome


def _take(stream: Any, wanted: int | None) -> list[Any]:
    chunks = []
    for chunk in stream:
        chunks.append(chunk)
        if wanted is not None and len(chunks) >= wanted:
            close = getattr(stream, "close", None)
            if callable(close):
                close()
            break
    return chunks


async def _invoke_async(
    op: Operation, server: FakeLLMServer, wanted: int | None
) -> tuple[Any, list[Any] | None]:
    result = await op.call(server)
    if not op.stream:
        return result, None
    chunks = []
    async for chunk in result:
        chunks.append(chunk)
        if wanted is not None and len(chunks) >= wanted:
            close = getattr(result, "close", None) or getattr(result, "aclose", None)
            if callable(close):
                closed = close()
                if asyncio.iscoroutine(closed):
                    await closed
            break
    return result, chunks


def _traced(op: Operation, server: FakeLLMServer, **kwargs: Any) -> tuple[Outcome, Trace]:
    """Run `op` under a parent span; the outcome and the one trace it made."""
    with TraceCapture() as capture:
        with spanscope.start_span(_PARENT):
            outcome = _invoke(op, server, **kwargs)
        gc.collect()  # a dropped stream ends its span when collected
        traces = capture.traces
    if len(traces) != 1:
        _fail(f"expected the call's span inside one trace, got {len(traces)} trace(s)")
    return outcome, traces[0]


def _own_spans(trace: Trace) -> list[Span]:
    parent = next(s for s in trace.data.spans if s.name == _PARENT)
    return [s for s in trace.data.spans if s.span_id != parent.span_id]


def _call_span(trace: Trace) -> Span:
    parent = next(s for s in trace.data.spans if s.name == _PARENT)
    children = [s for s in trace.data.spans if s.parent_id == parent.span_id]
    if len(children) != 1:
        _fail(f"expected one span under the caller's span, got {[s.name for s in children]}")
    return children[0]


def _model_span(trace: Trace, op: Operation) -> Span:
    """The span holding the call's chat, model and usage: the call's own, or the nested one
    `op.model_span` names."""
    span = _call_span(trace)
    if op.model_span is None:
        return span
    found = [s for s in _own_spans(trace) if op.model_span in (s.name, s.span_type)]
    if len(found) != 1:
        _fail(
            f"expected one model span {op.model_span!r} in the call, got {[s.name for s in found]}"
        )
    return found[0]


def _fresh(fixture: IntegrationFixture) -> None:
    spanscope.tracing.reset()  # also reverts every integration's patches
    spanscope.tracing.set_exporters([])  # the kit's captures only: no store is written
    fixture.autolog()


# -- per-operation checks ------------------------------------------------------------------


def check_one_span(fixture: IntegrationFixture, op: Operation, server: FakeLLMServer) -> None:
    """One span per call, of the declared type, under the caller's span; ns times inside the
    call; the status says whether it failed."""
    outcome, trace = _traced(op, server)
    span = _call_span(trace)
    if span.span_type != op.span_type:
        _fail(f"span {span.name!r} has type {span.span_type!r}, expected {op.span_type!r}")
    extra = [s.name for s in _own_spans(trace) if s.span_type in ("LLM", "CHAT_MODEL")]
    if len(extra) > 1:
        _fail(f"more than one model span for one call: {extra}")
    end = span.end_time_ns
    if not (outcome.start_ns <= span.start_time_ns <= (end or 0) <= outcome.end_ns):
        _fail("the span's start and end (ns) do not lie inside the call")
    failed = span.status.status_code is SpanStatusCode.ERROR
    if op.fails != failed:
        _fail(
            f"span status {span.status.status_code.value} for a call that "
            f"{'failed' if op.fails else 'succeeded'}"
        )


def check_inputs_outputs(fixture: IntegrationFixture, op: Operation, server: FakeLLMServer) -> None:
    """The request as inputs, the response as outputs (none for a failed call)."""
    _, trace = _traced(op, server)
    span = _call_span(trace)
    if span.inputs in (None, {}, []):
        _fail("the span has no inputs")
    if not op.fails and span.outputs in (None, {}, [], ""):
        _fail("the span has no outputs")


def _messages_ok(value: Any, what: str) -> None:
    if not isinstance(value, list) or not value:
        _fail(f"{what} is not a non-empty list of messages: {value!r}")
    for message in value:
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            _fail(f"{what}: a message without a known role: {message!r}")
        if not isinstance(message.get("parts"), list):
            _fail(f"{what}: a message without a list of parts: {message!r}")


def check_chat_shape(fixture: IntegrationFixture, op: Operation, server: FakeLLMServer) -> None:
    """Chat messages in the shared GenAI shape, tool calls included."""
    if not op.messages:
        return
    _, trace = _traced(op, server)
    span = _model_span(trace, op)
    _messages_ok(span.get_attribute(K.GEN_AI_INPUT_MESSAGES), K.GEN_AI_INPUT_MESSAGES)
    if op.fails:
        return
    output = span.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)
    _messages_ok(output, K.GEN_AI_OUTPUT_MESSAGES)
    if op.tool_call:
        parts = [p for m in output for p in m["parts"] if isinstance(p, dict)]
        if not any(p.get("type") == "tool_call" and p.get("name") for p in parts):
            _fail(f"no tool_call part with a name among the output messages: {output!r}")


def check_model_usage(fixture: IntegrationFixture, op: Operation, server: FakeLLMServer) -> None:
    """The request model, and token usage counted once in the trace."""
    if op.fails:
        return
    _, trace = _traced(op, server)
    span = _model_span(trace, op)
    if op.model is not None and span.get_attribute(K.GEN_AI_REQUEST_MODEL) != op.model:
        _fail(
            f"{K.GEN_AI_REQUEST_MODEL} is {span.get_attribute(K.GEN_AI_REQUEST_MODEL)!r}, "
            f"expected {op.model!r}"
        )
    if not op.usage:
        return
    tokens = span.get_attribute(K.GEN_AI_INPUT_TOKENS), span.get_attribute(K.GEN_AI_OUTPUT_TOKENS)
    if op.span_type == SpanType.EMBEDDING and tokens[1] is None:
        # An embedding generates no tokens: providers report its input only (the trace's
        # total then counts 0 output tokens).
        tokens = tokens[0], 0
    if not all(isinstance(t, int) and t >= 0 for t in tokens):
        _fail(f"token usage missing or not counts: input {tokens[0]!r}, output {tokens[1]!r}")
    usage = trace.info.token_usage or {}
    if usage.get("input_tokens") != tokens[0] or usage.get("output_tokens") != tokens[1]:
        _fail(f"the trace's token usage {usage} is not the span's {tokens} (counted twice?)")


def check_errors_unchanged(
    fixture: IntegrationFixture, op: Operation, server: FakeLLMServer
) -> None:
    """A failing call raises exactly what it raises untraced, recorded on its span."""
    if not op.fails:
        return
    fixture.autolog(disable=True)
    plain = _invoke(op, server).error
    fixture.autolog()
    outcome, trace = _traced(op, server)
    traced = outcome.error
    if plain is None or traced is None:
        _fail(f"the failing operation raised nothing (untraced: {plain!r}, traced: {traced!r})")
    assert plain is not None and traced is not None
    if type(traced) is not type(plain) or str(traced) != str(plain):
        _fail(f"traced it raised {traced!r}, untraced {plain!r}")
    span = _call_span(trace)
    if not any(e.name == "exception" for e in span.events):
        _fail("the failing call's span has no exception event")


def check_stream_whole(fixture: IntegrationFixture, op: Operation, server: FakeLLMServer) -> None:
    """The caller gets every chunk it gets untraced; the span holds the assembled output."""
    if not op.stream or op.fails:
        return
    fixture.autolog(disable=True)
    plain = _invoke(op, server)
    fixture.autolog()
    outcome, trace = _traced(op, server)
    if plain.chunks is None or outcome.chunks is None or len(outcome.chunks) != len(plain.chunks):
        _fail(
            f"the caller got {len(outcome.chunks or [])} chunk(s) traced, "
            f"{len(plain.chunks or [])} untraced"
        )
    span = _call_span(trace)
    if span.end_time_ns is None or span.outputs in (None, "", [], {}):
        _fail("the stream's span has no assembled output")


def check_stream_dropped(fixture: IntegrationFixture, op: Operation, server: FakeLLMServer) -> None:
    """A stream dropped after its first chunk still ends its span and breaks nothing."""
    if not op.stream or op.fails:
        return
    outcome, trace = _traced(op, server, chunks_wanted=1)
    if outcome.error is not None:
        _fail(f"dropping the stream raised {outcome.error!r}")
    span = _call_span(trace)
    if span.end_time_ns is None:
        _fail("the dropped stream's span never ended")


# -- integration-wide checks ---------------------------------------------------------------


def check_never_breaks(fixture: IntegrationFixture, server: FakeLLMServer) -> None:
    """With spanscope's own span methods failing, every call returns (or raises) as untraced."""
    fixture.autolog(disable=True)
    plain = {op.name: _invoke(op, server) for op in fixture.operations}
    fixture.autolog()
    quiet = logging.getLogger("spanscope")
    was_disabled, quiet.disabled = quiet.disabled, True  # the faults it injects are logged
    try:
        _never_breaks(fixture, server, plain)
    finally:
        quiet.disabled = was_disabled


def _never_breaks(
    fixture: IntegrationFixture, server: FakeLLMServer, plain: dict[str, Outcome]
) -> None:
    for method in ("set_inputs", "set_outputs", "set_attribute", "end"):
        with _failing(LiveSpan, method), strict_mode(False):
            for op in fixture.operations:
                outcome = _invoke(op, server)
                expected = plain[op.name]
                if (outcome.error is None) != (expected.error is None):
                    _fail(
                        f"{op.name}: with LiveSpan.{method} failing the call "
                        f"{'raised ' + repr(outcome.error) if outcome.error else 'did not raise'}"
                    )
                if expected.chunks is not None and len(outcome.chunks or []) != len(
                    expected.chunks
                ):
                    _fail(
                        f"{op.name}: with LiveSpan.{method} failing the caller got "
                        f"{len(outcome.chunks or [])} chunk(s), not {len(expected.chunks)}"
                    )


@contextlib.contextmanager
def _failing(owner: type, name: str) -> Iterator[None]:
    original = owner.__dict__[name]

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"conformance kit: injected fault in {owner.__name__}.{name}")

    setattr(owner, name, boom)
    try:
        yield
    finally:
        setattr(owner, name, original)


def check_disable_restores(fixture: IntegrationFixture, server: FakeLLMServer) -> None:
    """`autolog(disable=True)` puts back the library's own objects and traces nothing."""
    patches = list(PATCHES.by_integration.get(fixture.name, []))
    fixture.autolog(disable=True)
    if is_patched(fixture.name):
        _fail("patches are still in force after autolog(disable=True)")
    for patch in patches:
        now = vars(patch.owner).get(patch.name) if patch.had_own else None
        if patch.had_own and now is not patch.original:
            _fail(f"{patch.owner!r}.{patch.name} is not the original after disable")
        if not patch.had_own and patch.name in vars(patch.owner):
            _fail(f"{patch.owner!r}.{patch.name} was left behind after disable")
    with TraceCapture() as capture:
        for op in fixture.operations:
            _invoke(op, server)
        if capture.traces:
            _fail(f"{len(capture.traces)} trace(s) recorded with autolog disabled")


def check_idempotent(fixture: IntegrationFixture, server: FakeLLMServer) -> None:
    """autolog() twice traces each call once."""
    fixture.autolog()
    for op in fixture.operations:
        _traced(op, server)  # raises unless exactly one span is under the caller's


def check_loopback_only(fixture: IntegrationFixture, server: FakeLLMServer) -> None:
    """Nothing connects beyond 127.0.0.1 (no telemetry, no model downloads)."""
    reached: list[str] = []
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        with contextlib.suppress(ValueError):
            if not ipaddress.ip_address(host).is_loopback:
                reached.append(host)
                raise OSError(f"conformance kit: connection to {host} refused")
        return connect(sock, address)

    setattr(socket.socket, "connect", guarded)  # noqa: B010 - a method replaced for the check
    try:
        for op in fixture.operations:
            _invoke(op, server)
    finally:
        setattr(socket.socket, "connect", connect)  # noqa: B010
    if reached:
        _fail(f"connections beyond 127.0.0.1: {sorted(set(reached))}")


OperationCheck = Callable[[IntegrationFixture, Operation, FakeLLMServer], None]
FixtureCheck = Callable[[IntegrationFixture, FakeLLMServer], None]


@dataclass(frozen=True)
class Check:
    """A check of every operation it `applies` to, or (`per_operation` False) of the fixture."""

    name: str
    run: Callable[..., None]
    per_operation: bool = True
    applies: Callable[[Operation], bool] = lambda op: True


CHECKS: tuple[Check, ...] = (
    Check("one span", check_one_span),
    Check("inputs/outputs", check_inputs_outputs),
    Check("chat shape", check_chat_shape, applies=lambda op: op.messages),
    Check("model/usage", check_model_usage, applies=lambda op: not op.fails),
    Check("errors unchanged", check_errors_unchanged, applies=lambda op: op.fails),
    Check("stream whole", check_stream_whole, applies=lambda op: op.stream and not op.fails),
    Check("stream dropped", check_stream_dropped, applies=lambda op: op.stream and not op.fails),
    Check("never breaks", check_never_breaks, per_operation=False),
    Check("disable restores", check_disable_restores, per_operation=False),
    Check("idempotent", check_idempotent, per_operation=False),
    Check("loopback only", check_loopback_only, per_operation=False),
)


def run_fixture(fixture: IntegrationFixture, server: FakeLLMServer) -> list[CheckResult]:
    """Every check on every operation of `fixture` it applies to; the tracing runtime is reset
    after. Traces go to the kit only (no store is written)."""
    results: list[CheckResult] = []
    try:
        for check in CHECKS:
            targets: list[Operation | None] = (
                [op for op in fixture.operations if check.applies(op)]
                if check.per_operation
                else [None]
            )
            for op in targets:
                _fresh(fixture)
                try:
                    if op is None:
                        check.run(fixture, server)
                    else:
                        check.run(fixture, op, server)
                except Exception as exc:
                    message = str(exc) if isinstance(exc, ConformanceError) else repr(exc)
                    results.append(
                        CheckResult(
                            fixture.name, check.name, op.name if op else None, False, message
                        )
                    )
                else:
                    results.append(
                        CheckResult(fixture.name, check.name, op.name if op else None, True)
                    )
    finally:
        spanscope.tracing.reset()
    return results
