"""Context propagation: asyncio tasks and gather, threads with the helpers, TracingClient spans."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import spanscope
from spanscope.testing import TraceCapture, span_tree


@spanscope.trace(span_type="TOOL")
async def lookup(task: int, step: int) -> str:
    await asyncio.sleep(0.001 * ((task + step) % 3))
    return f"{task}-{step}"


@spanscope.trace(span_type="AGENT")
async def worker(task: int) -> list[str]:
    first = await lookup(task, 0)
    second = await asyncio.create_task(lookup(task, 1))
    return [first, second]


async def test_ten_tasks_under_gather_are_parented_right(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(name="fan_out")
    async def fan_out() -> list[list[str]]:
        return await asyncio.gather(*(worker(i) for i in range(10)))

    results = await fan_out()
    assert results == [[f"{i}-0", f"{i}-1"] for i in range(10)]
    trace = spanscope_traces.single()
    assert len(trace.data.spans) == 31
    by_id = {span.span_id: span for span in trace.data.spans}
    root = trace.data.root
    assert root is not None and root.name == "fan_out"
    workers = [s for s in trace.data.spans if s.name == "worker"]
    assert sorted(w.inputs["task"] for w in workers) == list(range(10))
    for w in workers:
        assert w.parent_id == root.span_id
    for span in trace.data.spans:
        if span.name == "lookup":
            parent = by_id[span.parent_id]  # type: ignore[index]
            assert parent.name == "worker"
            assert parent.inputs["task"] == span.inputs["task"]


async def test_concurrent_roots_are_separate_traces(spanscope_traces: TraceCapture) -> None:
    await asyncio.gather(*(worker(i) for i in range(5)))
    traces = spanscope_traces.traces
    assert len(traces) == 5
    for trace in traces:
        assert [c["name"] for c in span_tree(trace)[0]["children"]] == ["lookup", "lookup"]


@spanscope.trace
def square(n: int) -> int:
    return n * n


def test_threads_with_context_helpers(spanscope_traces: TraceCapture) -> None:
    with spanscope.start_span("batch"):
        with spanscope.tracing.ContextThreadPoolExecutor(max_workers=4) as pool:
            assert list(pool.map(square, range(4))) == [0, 1, 4, 9]
        with ThreadPoolExecutor(max_workers=2) as plain_pool:
            wrapped = spanscope.tracing.with_context(square)
            futures = [plain_pool.submit(wrapped, n) for n in (5, 6)]
            assert [f.result() for f in futures] == [25, 36]
        thread = threading.Thread(target=spanscope.tracing.with_context(square), args=(7,))
        thread.start()
        thread.join()
    trace = spanscope_traces.single()
    tree = span_tree(trace)
    assert tree[0]["name"] == "batch"
    assert sorted(c["inputs"]["n"] for c in tree[0]["children"]) == [0, 1, 2, 3, 5, 6, 7]


def test_threads_without_the_helper_start_their_own_traces(
    spanscope_traces: TraceCapture,
) -> None:
    with spanscope.start_span("batch"), ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(square, 3).result()
    names = sorted(t.info.name or "" for t in spanscope_traces.traces)
    assert names == ["batch", "square"]


def test_client_spans_across_threads(spanscope_traces: TraceCapture) -> None:
    client = spanscope.TracingClient()
    root = client.start_trace(
        "callback_run", span_type="CHAIN", inputs={"q": 1}, tags={"source": "callbacks"}
    )
    child = client.start_span("llm", root.trace_id, root.span_id, span_type="LLM")

    def finish() -> None:
        client.end_span(
            child.trace_id,
            child.span_id,
            outputs="answer",
            attributes={"gen_ai.usage.input_tokens": 3},
        )

    thread = threading.Thread(target=finish)
    thread.start()
    thread.join()
    with spanscope.tracing.use_span(root):
        assert spanscope.get_current_active_span() is root
        square(2)
    client.end_trace(root.trace_id, outputs={"a": "answer"})
    trace = spanscope_traces.single()
    assert trace.info.tags == {"source": "callbacks"}
    tree = span_tree(trace)
    assert tree[0]["name"] == "callback_run"
    assert [c["name"] for c in tree[0]["children"]] == ["llm", "square"]
    assert tree[0]["children"][0]["outputs"] == "answer"


def test_client_errors_name_the_unknown_ids() -> None:
    client = spanscope.TracingClient()
    root = client.start_trace("run")
    try:
        client.end_span(root.trace_id, "0" * 16)
    except spanscope.NotFoundError as exc:
        assert "0000000000000000" in str(exc)
    else:
        raise AssertionError("expected NotFoundError")
    client.end_trace(root.trace_id)
    for call in (
        lambda: client.start_span("x", "f" * 32, None),
        lambda: client.end_trace(root.trace_id),
    ):
        try:
            call()
        except spanscope.NotFoundError as exc:
            assert "no running trace" in str(exc)
        else:
            raise AssertionError("expected NotFoundError")
