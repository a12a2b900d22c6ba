"""Traces for the browser tests, made by the real SDK (and one huge trace written directly)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import orjson

import spanscope
import spanscope.openai
from spanscope import Trace
from spanscope.store.base import TraceStore
from spanscope.testing import capture_traces
from spanscope.testing.fake_llm import FakeLLMServer

XSS = "<img src=x onerror=window.__xss=1><script>window.__xss=2</script>"
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
STACK_MARKER = "inventory service unreachable"
DOCUMENT_TEXT = "Refunds are paid within 5 business days of the return arriving."
BIG_TRACE_SPANS = 10_000
LONG_NOTE = "The knowledge base is rebuilt nightly. " * 60 + "END-OF-NOTE"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Seeded:
    experiment_id: str
    agent_trace_id: str
    failing_trace_id: str
    xss_trace_id: str
    big_trace_id: str
    session_id: str
    scratch_experiment_id: str


class WarehouseError(RuntimeError):
    pass


def seed(store: TraceStore, llm: FakeLLMServer) -> Seeded:
    """An experiment with an agent run, a failed run, an XSS payload and a 10,000-span trace."""
    import openai

    experiment_id = store.create_experiment("support-bot")
    spanscope.openai.autolog()
    client = openai.OpenAI(base_url=llm.openai_base_url, api_key="sk-fake", max_retries=0)

    @spanscope.trace(span_type="TOOL")
    def get_weather(city: str) -> str:
        return f"sunny in {city}, 21 C"

    @spanscope.trace(span_type="TOOL")
    def check_stock(sku: str) -> int:
        raise WarehouseError(f"{STACK_MARKER} while checking {sku}")

    @spanscope.trace(name="support_agent", span_type="AGENT")
    def agent(question: str) -> str:
        spanscope.update_current_trace(session_id="session-1", user_id="u-7", tags={"env": "test"})
        with spanscope.start_span("search_kb", span_type="RETRIEVER") as span:
            span.set_inputs({"query": question})
            span.set_attribute("index.note", LONG_NOTE)
            span.set_outputs(
                [
                    {"page_content": DOCUMENT_TEXT, "metadata": {"doc_uri": "kb/refunds.md"}},
                    {"page_content": "Returns need a receipt.", "metadata": {"doc_uri": "kb/r.md"}},
                ]
            )
        messages: list[Any] = [
            {"role": "system", "content": "You are a concise support agent."},
            {"role": "user", "content": question},
        ]
        first = client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, tools=[cast(Any, WEATHER_TOOL)]
        )
        tool_calls = first.choices[0].message.tool_calls
        assert tool_calls is not None
        call = tool_calls[0]
        messages.append(first.choices[0].message.model_dump(exclude_none=True))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather("Paris")})
        if "SKU-42" in question:  # this run's stock check fails
            check_stock("SKU-42")
        final = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
        return final.choices[0].message.content or ""

    with capture_traces() as captured:
        agent("What is the weather in Paris for my refund trip?")
        with contextlib.suppress(WarehouseError):
            agent("Is SKU-42 in stock?")
        _xss_trace()
    spanscope.openai.autolog(disable=True)
    client.close()
    traces = [_without_checkout_paths(t) for t in captured.traces]
    for trace in traces:
        trace.info.experiment_id = experiment_id
    big = big_trace(experiment_id, traces[0].info.request_time)
    # A second experiment whose traces a test may delete.
    scratch = store.create_experiment("scratch")
    with capture_traces() as disposable:
        for n in range(3):
            _disposable(n)
    for trace in disposable.traces:
        trace.info.experiment_id = scratch
    store.write_traces([*traces, big, *disposable.traces])
    return Seeded(
        experiment_id,
        traces[0].info.trace_id,
        traces[1].info.trace_id,
        traces[2].info.trace_id,
        big.info.trace_id,
        "session-1",
        scratch,
    )


@spanscope.trace(name="disposable", span_type="CHAIN")
def _disposable(n: int) -> int:
    return n * 2


def _without_checkout_paths(trace: Trace) -> Trace:
    """Stack trace paths relative to the repository, so screenshots show no local paths."""
    text = orjson.dumps(trace.to_dict()).decode().replace(f"{ROOT}/", "")
    return Trace.from_dict(orjson.loads(text))


def _xss_trace() -> None:
    @spanscope.trace(name=f"xss {XSS}", span_type="CHAIN")
    def payload(text: str) -> dict[str, str]:
        spanscope.update_current_trace(tags={"xss": XSS})
        with spanscope.start_span(XSS, span_type="TOOL") as span:
            span.set_attribute("html", XSS)
            span.set_inputs({"html": XSS})
            span.set_outputs(XSS)
        return {"echo": text}

    payload(XSS)


def big_trace(experiment_id: str, request_time_ms: int) -> Trace:
    """A root over chains of ten spans (BIG_TRACE_SPANS in all), stored without the SDK (fast)."""
    trace_id = "b" * 32
    start = (request_time_ms - 3_600_000) * 1_000_000  # an hour older than the rest
    spans: list[dict[str, Any]] = []
    for i in range(BIG_TRACE_SPANS):
        # Every tenth span hangs off the root and heads the nine after it.
        parent = None if i == 0 else 0 if i % 10 == 0 else (i // 10) * 10
        spans.append(
            {
                "trace_id": trace_id,
                "span_id": f"{i:016x}",
                "parent_id": None if parent is None else f"{parent:016x}",
                "name": "big_root" if i == 0 else f"step {i}",
                "span_type": "CHAIN" if i % 10 == 0 else "TOOL",
                "start_time_ns": start + i * 1_000_000,
                "end_time_ns": start
                + (BIG_TRACE_SPANS * 1_000_000 if i == 0 else i * 1_000_000 + 500_000),
                "status": {"code": "OK", "message": ""},
                "inputs": {"i": i},
                "outputs": None,
                "attributes": {},
                "events": [],
            }
        )
    info = {
        "trace_id": trace_id,
        "experiment_id": experiment_id,
        "request_time": start // 1_000_000,
        "execution_duration": BIG_TRACE_SPANS,
        "state": "OK",
        "name": "big_root",
        "request_preview": "a trace with ten thousand spans",
        "response_preview": None,
        "metadata": {},
        "tags": {},
    }
    return Trace.from_dict({"info": info, "data": {"spans": spans}})
