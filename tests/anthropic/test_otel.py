"""The SDK's own OpenTelemetry instrumentation: no duplicate spanscope spans, no interference.

anthropic 2.x creates a CLIENT span per API call (`anthropic.messages.create`) through the
*global* OpenTelemetry TracerProvider, on by default (`ANTHROPIC_OPEN_TELEMETRY=false` or the
client option `open_telemetry=False` turns it off), and sends that span's `traceparent`.
spanscope records through its own runtime, never the global provider, so a spanscope trace has
exactly one span per call whether the SDK's spans are on or not, and the app's OpenTelemetry
spans are exactly what they would be without spanscope.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, span_tree
from spanscope.testing.fake_llm import FakeLLMServer
from tests.anthropic.expect import MODEL, USER

anthropic = pytest.importorskip("anthropic")
otel_trace = pytest.importorskip("opentelemetry.trace")
sdk_trace = pytest.importorskip("opentelemetry.sdk.trace")
export = pytest.importorskip("opentelemetry.sdk.trace.export")
in_memory = pytest.importorskip("opentelemetry.sdk.trace.export.in_memory_span_exporter")

REQUEST = {"model": MODEL, "max_tokens": 100, "messages": USER}
SDK_SPAN = "anthropic.messages.create"  # the SDK names the span of every Messages call so
KEYS = [K.GEN_AI_PROVIDER, K.GEN_AI_OUTPUT_TOKENS]


@pytest.fixture
def global_otel() -> Iterator[Any]:
    """A global OpenTelemetry TracerProvider exporting to memory, as an app would set up.

    The API allows setting the global provider once per process; like
    opentelemetry-test-utils, the fixture resets that guard and restores the old one after.
    """
    from opentelemetry.util._once import Once

    exporter = in_memory.InMemorySpanExporter()
    provider = sdk_trace.TracerProvider()
    provider.add_span_processor(export.SimpleSpanProcessor(exporter))
    saved = (otel_trace._TRACER_PROVIDER, otel_trace._TRACER_PROVIDER_SET_ONCE)
    otel_trace._TRACER_PROVIDER_SET_ONCE = Once()
    otel_trace._TRACER_PROVIDER = None
    otel_trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        provider.shutdown()
        otel_trace._TRACER_PROVIDER, otel_trace._TRACER_PROVIDER_SET_ONCE = saved


def _calls(client: Any) -> None:
    client.messages.create(**REQUEST)
    with client.messages.stream(**REQUEST) as stream:
        stream.get_final_message()
    with client.messages.create(**REQUEST, stream=True) as raw:
        list(raw)


@pytest.mark.parametrize("switch", ["default", "env", "option"])
def test_sdk_spans_do_not_duplicate_spanscope_spans(
    switch: str,
    global_otel: Any,
    fake_llm: FakeLLMServer,
    traced: None,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options: dict[str, Any] = {}
    if switch == "env":  # on by default; the env vars only choose what the spans carry
        monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY", "true")
        monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY_TRACES_CONTENT_MODE", "content")
    elif switch == "option":
        options["open_telemetry"] = {"traces": {"enabled": True, "content_mode": "content"}}
    app_tracer = otel_trace.get_tracer("app")
    with anthropic.Anthropic(
        base_url=fake_llm.anthropic_base_url, api_key="k", max_retries=0, **options
    ) as client:
        assert client.open_telemetry["traces"]["enabled"]
        with app_tracer.start_as_current_span("app request") as app_span:
            with spanscope.start_span("agent", span_type="AGENT"):
                _calls(client)

    # spanscope: one trace, one span per call, nothing from the SDK's instrumentation.
    trace = spanscope_traces.single()
    assert span_tree(trace, values=False, events=False, attributes=KEYS) == [
        {
            "name": "agent",
            "span_type": "AGENT",
            "status": "OK",
            "attributes": {K.GEN_AI_PROVIDER: None, K.GEN_AI_OUTPUT_TOKENS: None},
            "children": [
                {
                    "name": name,
                    "span_type": "CHAT_MODEL",
                    "status": "OK",
                    "attributes": {K.GEN_AI_PROVIDER: "anthropic", K.GEN_AI_OUTPUT_TOKENS: 8},
                    "children": [],
                }
                for name in (
                    "anthropic.messages.create",
                    "anthropic.messages.stream",
                    "anthropic.messages.create",
                )
            ],
        }
    ]

    # OpenTelemetry: the app's span and the SDK's three spans under it, ended and complete,
    # in the app's own trace (spanscope's trace id is a different one and appears nowhere).
    finished = global_otel.get_finished_spans()
    app_context = app_span.get_span_context()
    sdk_spans = [span for span in finished if span.name == SDK_SPAN]
    assert [span.name for span in finished] == [SDK_SPAN] * 3 + ["app request"]  # end order
    for span in sdk_spans:
        assert span.kind == otel_trace.SpanKind.CLIENT
        assert span.parent is not None and span.parent.span_id == app_context.span_id
        assert span.context.trace_id == app_context.trace_id
        assert span.status.status_code == otel_trace.StatusCode.OK
        assert span.attributes["gen_ai.provider.name"] == "anthropic"
        assert span.attributes["gen_ai.usage.output_tokens"] == 8
    assert f"{app_context.trace_id:032x}" != trace.info.trace_id
    if switch != "default":
        assert all("gen_ai.input.messages" in span.attributes for span in sdk_spans)

    # The request carries the SDK span's trace context, not spanscope's.
    last = sdk_spans[-1].context
    traceparent = fake_llm.last_request.headers["traceparent"]
    assert traceparent.split("-")[1:3] == [f"{last.trace_id:032x}", f"{last.span_id:016x}"]


async def test_sdk_spans_do_not_duplicate_spanscope_spans_async(
    global_otel: Any, fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    async with anthropic.AsyncAnthropic(
        base_url=fake_llm.anthropic_base_url, api_key="k", max_retries=0
    ) as client:
        await client.messages.create(**REQUEST)
        async with client.messages.stream(**REQUEST) as stream:
            await stream.get_final_message()
    assert [
        [node["name"] for node in span_tree(trace, values=False)]
        for trace in spanscope_traces.traces
    ] == [["anthropic.messages.create"], ["anthropic.messages.stream"]]
    finished = global_otel.get_finished_spans()
    assert [span.name for span in finished] == [SDK_SPAN, SDK_SPAN]
    assert all(span.parent is None for span in finished)  # no app span: roots of their own


def test_sdk_spans_off_still_one_spanscope_span(
    global_otel: Any,
    fake_llm: FakeLLMServer,
    traced: None,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY", "false")
    with anthropic.Anthropic(
        base_url=fake_llm.anthropic_base_url, api_key="k", max_retries=0
    ) as client:
        _calls(client)
    assert len(spanscope_traces.traces) == 3
    assert global_otel.get_finished_spans() == ()
    assert "traceparent" not in fake_llm.last_request.headers
