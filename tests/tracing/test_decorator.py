"""@spanscope.trace on the four kinds of functions and on methods."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from typing import Any

import pytest

import spanscope
from spanscope.testing import TraceCapture, span_tree


def _node(
    name: str,
    inputs: Any,
    outputs: Any,
    children: list[Any] | None = None,
    span_type: str = "UNKNOWN",
    status: str = "OK",
    **extra: Any,
) -> dict[str, Any]:
    node = {
        "name": name,
        "span_type": span_type,
        "status": status,
        "inputs": inputs,
        "outputs": outputs,
        "events": [],
        "children": children or [],
    }
    node.update(extra)
    return node


@spanscope.trace
def add(a: int, b: int = 2) -> int:
    return a + b


@spanscope.trace(name="pipeline", span_type="CHAIN", attributes={"team": "search"})
def pipeline(x: int) -> int:
    return add(x) * 10


def test_bare_and_configured_decorators_nest(spanscope_traces: TraceCapture) -> None:
    assert pipeline(1) == 30
    trace = spanscope_traces.single()
    assert span_tree(trace) == [
        _node(
            "pipeline",
            {"x": 1},
            30,
            span_type="CHAIN",
            children=[_node("add", {"a": 1, "b": 2}, 3)],
        )
    ]
    root = trace.data.spans[0]
    assert root.attributes == {"team": "search"}
    child = trace.data.spans[1]
    assert child.parent_id == root.span_id
    assert root.parent_id is None
    assert child.trace_id == root.trace_id == trace.info.trace_id
    assert root.start_time_ns <= child.start_time_ns <= child.end_time_ns <= root.end_time_ns  # type: ignore[operator]
    assert trace.info.name == "pipeline"
    assert trace.info.state.value == "OK"
    assert trace.info.request_preview == "1"
    assert trace.info.response_preview == "30"


def test_decorator_keeps_function_identity() -> None:
    assert add.__name__ == "add"
    assert add.__wrapped__(1) == 3  # type: ignore[attr-defined]
    assert pipeline.__doc__ is None
    assert spanscope.trace(lambda: 1)() == 1


def test_inputs_from_keyword_var_and_default_arguments(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace
    def f(a: int, *args: int, key: str = "k", **kwargs: int) -> int:
        return a

    @spanscope.trace
    def g(a: int, /, b: int, *, c: int = 3) -> int:
        return a + b + c

    f(1, 2, 3, key="z", extra=4)
    g(1, b=2)
    first, second = spanscope_traces.traces
    assert first.data.spans[0].inputs == {"a": 1, "args": [2, 3], "key": "z", "extra": 4}
    assert second.data.spans[0].inputs == {"a": 1, "b": 2, "c": 3}


class Agent:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    @spanscope.trace(span_type="AGENT")
    def answer(self, question: str) -> str:
        return self.prefix + self.normalise(question) + self.suffix()

    @spanscope.trace
    @classmethod
    def suffix(cls) -> str:
        return "!"

    @classmethod
    @spanscope.trace
    def build(cls, prefix: str) -> Agent:
        return cls(prefix)

    @spanscope.trace
    @staticmethod
    def normalise(text: str) -> str:
        return text.strip()


def test_methods_capture_inputs_without_self_or_cls(spanscope_traces: TraceCapture) -> None:
    agent = Agent.build("A: ")
    assert agent.answer("  why ") == "A: why!"
    build, answer = spanscope_traces.traces
    assert build.data.spans[0].inputs == {"prefix": "A: "}
    assert span_tree(answer, values=True) == [
        _node(
            "answer",
            {"question": "  why "},
            "A: why!",
            span_type="AGENT",
            children=[
                _node("normalise", {"text": "  why "}, "why"),
                _node("suffix", {}, "!"),
            ],
        )
    ]


def test_sync_exception_is_recorded_and_reraised_unchanged(
    spanscope_traces: TraceCapture,
) -> None:
    error = ValueError("bad order id")

    @spanscope.trace
    def fail(order_id: str) -> None:
        raise error

    with pytest.raises(ValueError) as caught:
        pipeline_with(fail)
    assert caught.value is error
    trace = spanscope_traces.single()
    assert trace.info.state.value == "ERROR"
    tree = span_tree(trace)
    assert tree[0]["status"] == "ERROR"
    assert tree[0]["error"] == "ValueError: bad order id"
    assert tree[0]["children"][0]["events"] == ["exception"]
    event = trace.search_spans(name="fail")[0].events[0]
    assert event.attributes["exception.type"] == "ValueError"
    assert event.attributes["exception.message"] == "bad order id"
    assert "raise error" in event.attributes["exception.stacktrace"]


@spanscope.trace(name="outer")
def pipeline_with(fn: Any) -> Any:
    return fn("o-1")


async def test_async_function(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace
    async def fetch(n: int) -> int:
        await asyncio.sleep(0)
        return await double(n)

    @spanscope.trace
    async def double(n: int) -> int:
        return n * 2

    assert await fetch(4) == 8
    assert span_tree(spanscope_traces.single()) == [
        _node("fetch", {"n": 4}, 8, children=[_node("double", {"n": 4}, 8)])
    ]


async def test_async_exception(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace
    async def boom() -> None:
        await asyncio.sleep(0)
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        await boom()
    tree = span_tree(spanscope_traces.single())
    assert tree[0]["status"] == "ERROR"
    assert tree[0]["error"] == "KeyError: 'missing'"
    assert tree[0]["events"] == ["exception"]


def test_generator_span_covers_iteration(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="LLM")
    def stream(n: int) -> Iterator[str]:
        for i in range(n):
            yield f"tok{i}"
        add(i)

    assert list(stream(3)) == ["tok0", "tok1", "tok2"]
    assert span_tree(spanscope_traces.single()) == [
        _node(
            "stream",
            {"n": 3},
            ["tok0", "tok1", "tok2"],
            span_type="LLM",
            children=[_node("add", {"a": 2, "b": 2}, 4)],
        )
    ]


def test_generator_output_reducer_and_return_value(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(output_reducer="".join)
    def stream() -> Generator[str, None, str]:
        yield "Hel"
        yield "lo"
        return "done"

    def consume() -> Any:
        result = yield from stream()
        return result

    gen = consume()
    assert next(gen) == "Hel"
    assert next(gen) == "lo"
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"
    assert spanscope_traces.single().data.spans[0].outputs == "Hello"


def test_generator_abandoned_halfway_still_ends_its_span(spanscope_traces: TraceCapture) -> None:
    cleaned = []

    @spanscope.trace
    def stream() -> Iterator[int]:
        try:
            yield from range(100)
        finally:
            cleaned.append(True)

    gen = stream()
    assert [next(gen), next(gen)] == [0, 1]
    del gen
    gc.collect()
    assert cleaned == [True]
    tree = span_tree(spanscope_traces.single())
    assert tree == [_node("stream", {}, [0, 1])]


def test_generator_exception_and_send_and_throw(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace
    def echo() -> Generator[Any, Any, None]:
        received = yield "ready"
        try:
            yield f"got {received}"
        except RuntimeError as exc:
            yield f"caught {exc}"
        raise ValueError("stream broke")

    gen = echo()
    assert next(gen) == "ready"
    assert gen.send("x") == "got x"
    assert gen.throw(RuntimeError("stop")) == "caught stop"
    with pytest.raises(ValueError, match="stream broke"):
        next(gen)
    tree = span_tree(spanscope_traces.single())
    assert tree[0]["outputs"] == ["ready", "got x", "caught stop"]
    assert tree[0]["error"] == "ValueError: stream broke"


def test_user_exception_while_iterating_a_generator(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace
    def numbers() -> Iterator[int]:
        yield 1
        yield 2

    with pytest.raises(ZeroDivisionError):
        for n in numbers():
            1 / (n - 2)
    # The consumer's error closes the generator: the span ends with what was yielded.
    assert span_tree(spanscope_traces.single()) == [_node("numbers", {}, [1, 2])]


async def test_async_generator(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(output_reducer=sum)
    async def ticks(n: int) -> AsyncIterator[int]:
        for i in range(n):
            await asyncio.sleep(0)
            yield await _async_add(i)

    assert [x async for x in ticks(3)] == [1, 2, 3]
    tree = span_tree(spanscope_traces.single())
    assert tree[0]["outputs"] == 6
    assert [c["name"] for c in tree[0]["children"]] == ["_async_add"] * 3


@spanscope.trace
async def _async_add(i: int) -> int:
    return i + 1


async def test_async_generator_exception_and_abandon(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace
    async def failing() -> AsyncIterator[int]:
        yield 1
        raise RuntimeError("upstream closed")

    @spanscope.trace
    async def endless() -> AsyncGenerator[int, None]:
        i = 0
        while True:
            yield i
            i += 1

    with pytest.raises(RuntimeError, match="upstream closed"):
        async for _ in failing():
            pass
    agen = endless()
    assert await agen.__anext__() == 0
    assert await agen.__anext__() == 1
    await agen.aclose()
    first, second = spanscope_traces.traces
    assert span_tree(first)[0]["error"] == "RuntimeError: upstream closed"
    assert span_tree(second) == [_node("endless", {}, [0, 1])]


def test_decorating_a_non_callable_is_a_clear_error() -> None:
    with pytest.raises(spanscope.InvalidArgumentError, match="decorates functions"):
        spanscope.trace(42)  # type: ignore[call-overload]
