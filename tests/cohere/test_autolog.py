"""autolog on / off / twice, clients made before it, nesting under user spans, and
spanscope's own errors."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import spanscope
import spanscope.cohere
from spanscope.cohere import _messages
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.autolog_checks import (
    BUG,
    boom,
    check_an_error_before_the_call,
    check_patches_are_reverted,
    check_silent_mutes_the_warnings,
    imported_by,
    nested,
    nested_tree,
    single_spans,
)
from tests.cohere.conftest import make_async_client, make_client
from tests.cohere.expect import ACHAT, ASTREAM, CHAT, EMBED, MESSAGES, MODEL, RERANK, STREAM
from tests.genai_expect import ANSWER, tree

cohere = pytest.importorskip("cohere")

REQUEST = {"model": MODEL, "messages": MESSAGES}
METHODS = ("chat", "chat_stream", "embed", "rerank")


def patch_points() -> list[tuple[Any, str]]:
    from cohere.v2 import raw_client

    owners = (raw_client.RawV2Client, raw_client.AsyncRawV2Client)
    return [(owner, name) for owner in owners for name in METHODS]


def _text(response: Any) -> str:
    return str(response.message.content[0].text)


def test_importing_the_integration_does_not_import_the_sdk() -> None:
    assert imported_by("spanscope.cohere", "cohere") == [False]


def test_disable_restores_the_original_objects() -> None:
    from cohere.v2 import raw_client

    untouched = [(raw_client.RawV2Client, "parse")]
    check_patches_are_reverted(spanscope.cohere.autolog, patch_points(), untouched)


def test_disabled_it_traces_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.cohere.autolog(disable=True)
    assert _text(client.chat(**REQUEST)) == ANSWER
    assert len(list(client.chat_stream(**REQUEST))) > 1
    assert spanscope_traces.traces == []


def test_log_traces_false_records_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.cohere.autolog(log_traces=False)
    assert _text(client.chat(**REQUEST)) == ANSWER
    assert spanscope_traces.traces == []


def test_autolog_twice_gives_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.cohere.autolog()  # the fixture already called it once
    spanscope.cohere.autolog()
    client.chat(**REQUEST)
    list(client.chat_stream(**REQUEST))
    client.embed(model="embed-v4.0", texts=["Paris"], input_type="search_query")
    client.rerank(model="rerank-v3.5", query="Paris", documents=["Paris", "Rome"])
    assert single_spans(spanscope_traces) == [CHAT, STREAM, EMBED, RERANK]


def test_a_client_made_before_autolog_is_traced(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    # ClientV2 binds chat and chat_stream to the instance when it is made: the patches sit
    # below, in the raw client, so an earlier client is traced all the same.
    with make_client(fake_llm) as early:
        spanscope.cohere.autolog()
        early.chat(**REQUEST)
        list(early.chat_stream(**REQUEST))
    assert single_spans(spanscope_traces) == [CHAT, STREAM]


def test_raw_responses_are_traced_and_returned_unchanged(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    raw = client.with_raw_response.chat(**REQUEST)
    assert raw.status_code == 200 and _text(raw.data) == ANSWER
    (node,) = tree(spanscope_traces.single())
    assert node["name"] == CHAT and node["outputs"]["id"] == "fake-cohere-response"


def test_spanscope_autolog_turns_it_on(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.autolog()
    with make_client(fake_llm) as plain:
        plain.chat(**REQUEST)
    assert [node["name"] for node in tree(spanscope_traces.single())] == [CHAT]


def test_tracing_disabled_records_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.disable()
    try:
        assert _text(client.chat(**REQUEST)) == ANSWER
        assert len(list(client.chat_stream(**REQUEST))) > 1
    finally:
        spanscope.tracing.enable()
    assert spanscope_traces.traces == []


def test_calls_in_a_user_span_are_its_children(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def agent() -> str:
        client.chat(**REQUEST)
        list(client.chat_stream(**REQUEST))
        return "done"

    assert agent() == "done"
    trace = spanscope_traces.single()
    assert nested(trace) == nested_tree(MODEL, CHAT, STREAM)
    assert trace.info.token_usage is not None
    assert trace.info.token_usage["output_tokens"] == 16  # the two calls, each counted once


async def test_calls_in_a_user_span_are_its_children_async(
    fake_llm: FakeLLMServer, traced: None, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace(span_type="AGENT")
    async def agent() -> str:
        async with make_async_client(fake_llm) as aclient:
            await aclient.chat(**REQUEST)
            [event async for event in aclient.chat_stream(**REQUEST)]
        return "done"

    assert await agent() == "done"
    trace = spanscope_traces.single()
    assert nested(trace) == nested_tree(MODEL, ACHAT, ASTREAM)


# -- spanscope's own errors never change the call ---------------------------------------------


@pytest.mark.internal_errors
def test_error_before_the_call_leaves_it_untraced(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "request_inputs", boom)
    check_an_error_before_the_call(lambda: _text(client.chat(**REQUEST)), ANSWER, spanscope_traces)


@pytest.mark.internal_errors
async def test_error_reading_the_conversation_keeps_the_span(
    client: Any,
    aclient: Any,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The conversation is read from the span's own copy of the request when the trace is
    built: a failure there leaves the span with its inputs and reply, and is logged."""
    monkeypatch.setattr(_messages, "input_messages", boom)
    with strict_mode(False), caplog.at_level(logging.WARNING, "spanscope"):
        assert _text(client.chat(**REQUEST)) == ANSWER
        assert _text(await aclient.chat(**REQUEST)) == ANSWER
        traces = spanscope_traces.traces  # built now, on the export thread: strict mode off
    for trace in traces:
        (node,) = tree(trace)
        assert node["status"] == "OK"
        assert node["inputs"]["messages"] == REQUEST["messages"]
        assert K.GEN_AI_INPUT_MESSAGES not in node["attributes"]
        assert node["attributes"][K.GEN_AI_OUTPUT_MESSAGES][0]["role"] == "assistant"
    assert len(traces) == 2
    assert spanscope.tracing.stats().internal_errors == 2
    assert BUG in caplog.text


@pytest.mark.internal_errors
async def test_error_after_the_call_keeps_its_result(
    client: Any,
    aclient: Any,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(_messages, "output_messages", boom)
    with strict_mode(False), caplog.at_level(logging.WARNING, "spanscope"):
        sync_response = client.chat(**REQUEST)
        async_response = await aclient.chat(**REQUEST)
        traces = spanscope_traces.traces  # the reply is read when the trace is built
    assert _text(sync_response) == _text(async_response) == ANSWER
    assert type(sync_response) is type(async_response) is cohere.V2ChatResponse
    for trace in traces:  # the spans still end, without the reply's messages
        (node,) = tree(trace)
        assert node["status"] == "OK"
        assert node["outputs"]["id"] == "fake-cohere-response"
        assert K.GEN_AI_OUTPUT_MESSAGES not in node["attributes"]
    assert len(traces) == 2
    assert spanscope.tracing.stats().internal_errors == 2
    assert BUG in caplog.text  # logged once at WARNING


@pytest.mark.internal_errors
def test_silent_mutes_the_warnings(
    client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spanscope.cohere.autolog(silent=True)
    monkeypatch.setattr(_messages, "output_messages", boom)
    check_silent_mutes_the_warnings(lambda: _text(client.chat(**REQUEST)), ANSWER, caplog)


@pytest.mark.internal_errors
def test_error_while_finishing_a_stream_keeps_the_events(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "assemble", boom)
    with strict_mode(False):
        events = list(client.chat_stream(**REQUEST))
        # A finished stream is assembled on the export thread: read the trace in strict off.
        (node,) = tree(spanscope_traces.single())
    assert events[-1].type == "message-end"
    assert (node["status"], node["outputs"]) == ("OK", None)
    assert node["events"] == ["stream.chunk"] * len(events)
    assert spanscope.tracing.stats().internal_errors == 1
