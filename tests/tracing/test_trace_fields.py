"""Trace-level fields: update_current_trace, previews, token usage, enable/disable, sampling."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import spanscope
from spanscope.testing import TraceCapture


def test_update_current_trace_sets_tags_metadata_session_user(
    spanscope_traces: TraceCapture,
) -> None:
    @spanscope.trace
    def handle(question: str) -> str:
        spanscope.update_current_trace(
            tags={"env": "prod", "attempt": 2},
            metadata={"region": "eu"},
            session_id="s-1",
            user_id="u-7",
            client_request_id="req-42",
            request_preview="custom request",
        )
        return "answer"

    handle("why?")
    info = spanscope_traces.single().info
    assert info.tags == {"env": "prod", "attempt": "2"}
    assert info.metadata["region"] == "eu"
    assert info.session_id == "s-1"
    assert info.user_id == "u-7"
    assert info.client_request_id == "req-42"
    assert info.request_preview == "custom request"
    assert info.response_preview == "answer"
    assert info.metadata["spanscope.trace.schema_version"] == "1"


def test_update_current_trace_outside_a_trace_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="spanscope"):
        spanscope.update_current_trace(tags={"a": "b"})
        spanscope.update_current_trace(tags={"a": "b"})
    assert sum("outside any span" in r.getMessage() for r in caplog.records) == 1
    with pytest.raises(spanscope.InvalidArgumentError, match="takes a dict"):
        spanscope.update_current_trace(tags=["env"])  # type: ignore[arg-type]


def test_chat_previews_use_the_last_user_and_assistant_messages(
    spanscope_traces: TraceCapture,
) -> None:
    @spanscope.trace
    def chat(messages: list[dict[str, Any]]) -> dict[str, Any]:
        return {"choices": [{"message": {"role": "assistant", "content": "Refund sent."}}]}

    chat(
        [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": [{"type": "text", "text": "where is my refund?"}]},
        ]
    )
    info = spanscope_traces.single().info
    assert info.request_preview == "where is my refund?"
    assert info.response_preview == "Refund sent."


def test_long_previews_are_clipped(spanscope_traces: TraceCapture) -> None:
    spanscope.trace(lambda text: text)("w" * 5000)
    info = spanscope_traces.single().info
    assert info.request_preview is not None and len(info.request_preview) == 300
    assert info.request_preview.endswith("...")


def test_token_usage_is_summed_without_double_counting(spanscope_traces: TraceCapture) -> None:
    usage = "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"
    with spanscope.start_span("agent", span_type="AGENT"):
        with spanscope.start_span("wrapper", span_type="LLM") as wrapper:
            wrapper.set_attributes({usage[0]: 10, usage[1]: 5})
            with spanscope.start_span("inner", span_type="CHAT_MODEL") as inner:
                inner.set_attributes({usage[0]: 10, usage[1]: 5})  # same call, reported twice
        with spanscope.start_span("second", span_type="CHAT_MODEL") as second:
            second.set_attributes(
                {usage[0]: 7, usage[1]: 3, "gen_ai.usage.cache_read.input_tokens": 4}
            )
    info = spanscope_traces.single().info
    assert info.token_usage == {
        "input_tokens": 17,
        "output_tokens": 8,
        "total_tokens": 25,
        "cache_read_input_tokens": 4,
    }


def test_disable_and_enable(spanscope_traces: TraceCapture) -> None:
    @spanscope.trace
    def f(x: int) -> int:
        return x

    spanscope.tracing.disable()
    assert not spanscope.tracing.is_enabled()
    assert f(1) == 1
    with spanscope.start_span("off") as span:
        span.set_inputs("ignored")
        assert isinstance(span, spanscope.NoOpSpan)
    spanscope.tracing.enable()
    assert f(2) == 2
    assert [t.info.name for t in spanscope_traces.traces] == ["f"]


def test_sampling_is_decided_once_per_trace(spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.configure(sampling_ratio=0.0)

    @spanscope.trace
    def parent() -> str:
        assert isinstance(spanscope.get_current_active_span(), spanscope.NoOpSpan)
        assert spanscope.get_active_trace_id() is None
        return child()

    @spanscope.trace
    def child() -> str:
        return "done"

    assert parent() == "done"
    assert spanscope_traces.traces == []
    assert spanscope.tracing.stats().traces_sampled_out == 1
    spanscope.tracing.configure(sampling_ratio=0.5)
    for _ in range(400):
        parent_ok()
    kept = len(spanscope_traces.traces)
    assert 100 < kept < 300
    assert all(len(t.data.spans) == 2 for t in spanscope_traces.traces)


@spanscope.trace
def parent_ok() -> int:
    return child_ok()


@spanscope.trace
def child_ok() -> int:
    return 1


def test_sampling_ratio_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPANSCOPE_TRACE_SAMPLING_RATIO", "0.25")
    spanscope.tracing.reset()
    assert spanscope.tracing.configure().sampling_ratio == 0.25
    monkeypatch.setenv("SPANSCOPE_TRACE_SAMPLING_RATIO", "lots")
    spanscope.tracing.reset()
    assert spanscope.tracing.configure().sampling_ratio == 1.0
