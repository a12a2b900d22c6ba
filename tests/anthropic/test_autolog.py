"""autolog on / off / twice, nesting under user spans, and spanscope's own errors."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import spanscope
import spanscope.anthropic
from spanscope.anthropic import _messages
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, span_tree, strict_mode
from tests.anthropic.expect import MODEL, TEXT_EVENTS, USER
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
from tests.genai_expect import ANSWER, tree

anthropic = pytest.importorskip("anthropic")

REQUEST = {"model": MODEL, "max_tokens": 100, "messages": USER}


def patch_points() -> list[tuple[Any, str]]:
    from anthropic.lib import streaming
    from anthropic.resources.beta.messages import messages as beta
    from anthropic.resources.messages import messages

    points = [
        (resource, name)
        for module in (messages, beta)
        for resource in (module.Messages, module.AsyncMessages)
        for name in ("create", "parse", "stream")
    ]
    points += [
        (streaming.MessageStreamManager, "__enter__"),
        (streaming.AsyncMessageStreamManager, "__aenter__"),
        (streaming.BetaMessageStreamManager, "__enter__"),
        (streaming.BetaAsyncMessageStreamManager, "__aenter__"),
        (anthropic.Stream, "close"),
        (anthropic.AsyncStream, "close"),
    ]
    return points


def test_importing_the_integration_does_not_import_the_sdk() -> None:
    assert imported_by("spanscope.anthropic", "anthropic") == [False]


def test_disable_restores_the_original_objects() -> None:
    untouched = [(anthropic.resources.messages.Messages, "count_tokens")]
    check_patches_are_reverted(spanscope.anthropic.autolog, patch_points(), untouched)


def test_log_traces_false_patches_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.anthropic.autolog(log_traces=False)
    assert client.messages.create(**REQUEST).content[0].text == ANSWER
    assert spanscope_traces.traces == []


def test_autolog_twice_gives_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.anthropic.autolog()  # the fixture already called it once
    spanscope.anthropic.autolog()
    client.messages.create(**REQUEST)
    with client.messages.stream(**REQUEST) as stream:
        stream.get_final_message()
    assert single_spans(spanscope_traces) == [
        "anthropic.messages.create",
        "anthropic.messages.stream",
    ]


def test_spanscope_autolog_turns_it_on(fake_llm: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.autolog()
    with anthropic.Anthropic(
        base_url=fake_llm.anthropic_base_url, api_key="sk-ant-fake", max_retries=0
    ) as plain:
        plain.messages.create(**REQUEST)
    assert [node["name"] for node in tree(spanscope_traces.single())] == [
        "anthropic.messages.create"
    ]


def test_tracing_disabled_records_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.disable()
    try:
        assert client.messages.create(**REQUEST).content[0].text == ANSWER
        with client.messages.create(**REQUEST, stream=True) as stream:
            assert len(list(stream)) == TEXT_EVENTS
    finally:
        spanscope.tracing.enable()
    assert spanscope_traces.traces == []


# Each of the three ways to call: create, the stream helper, create(stream=True).
NESTED_TREE = nested_tree(
    MODEL, "anthropic.messages.create", "anthropic.messages.stream", "anthropic.messages.create"
)


def test_calls_in_a_user_span_are_its_children(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def agent() -> str:
        client.messages.create(**REQUEST)
        with client.messages.stream(**REQUEST) as stream:
            stream.get_final_message()
        with client.messages.create(**REQUEST, stream=True) as raw:
            list(raw)
        return "done"

    assert agent() == "done"
    trace = spanscope_traces.single()
    assert nested(trace) == NESTED_TREE
    # Trace-level usage sums the three calls.
    assert trace.info.token_usage is not None
    assert trace.info.token_usage["output_tokens"] == 24


async def test_calls_in_a_user_span_are_its_children_async(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace(span_type="AGENT")
    async def agent() -> str:
        await aclient.messages.create(**REQUEST)
        async with aclient.messages.stream(**REQUEST) as stream:
            await stream.get_final_message()
        async with await aclient.messages.create(**REQUEST, stream=True) as raw:
            [event async for event in raw]
        return "done"

    assert await agent() == "done"
    trace = spanscope_traces.single()
    assert nested(trace) == NESTED_TREE


def test_the_call_span_is_current_while_the_request_runs(
    fake_llm: Any, traced: None, spanscope_traces: TraceCapture
) -> None:
    # An httpx event hook of the app runs inside the request: its spans nest under the call.
    def hook(request: Any) -> None:
        with spanscope.start_span("http hook"):
            pass

    http = anthropic.DefaultHttpxClient(event_hooks={"request": [hook]})
    with anthropic.Anthropic(
        base_url=fake_llm.anthropic_base_url, api_key="k", max_retries=0, http_client=http
    ) as hooked:
        hooked.messages.create(**REQUEST)
        with hooked.messages.stream(**REQUEST) as stream:
            stream.get_final_message()
    traces = spanscope_traces.traces
    assert [span_tree(t, values=False, events=False)[0]["children"][0]["name"] for t in traces] == [
        "http hook",
        "http hook",
    ]


async def test_the_call_span_is_current_while_the_request_runs_async(
    fake_llm: Any, traced: None, spanscope_traces: TraceCapture
) -> None:
    async def hook(request: Any) -> None:
        with spanscope.start_span("http hook"):
            pass

    http = anthropic.DefaultAsyncHttpxClient(event_hooks={"request": [hook]})
    async with anthropic.AsyncAnthropic(
        base_url=fake_llm.anthropic_base_url, api_key="k", max_retries=0, http_client=http
    ) as hooked:
        # The SDK wraps the async create in a sync function: the span must still be current
        # when the request actually runs, at the await.
        await hooked.messages.create(**REQUEST)
        async with hooked.messages.stream(**REQUEST) as stream:
            await stream.get_final_message()
    traces = spanscope_traces.traces
    assert [span_tree(t, values=False, events=False)[0]["children"][0]["name"] for t in traces] == [
        "http hook",
        "http hook",
    ]


# -- spanscope's own errors never change the call ---------------------------------------------


@pytest.mark.internal_errors
def test_error_before_the_call_leaves_it_untraced(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "input_messages", boom)
    check_an_error_before_the_call(
        lambda: client.messages.create(**REQUEST).content[0].text, ANSWER, spanscope_traces
    )


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
        sync_message = client.messages.create(**REQUEST)
        async_message = await aclient.messages.create(**REQUEST)
    assert sync_message.content[0].text == async_message.content[0].text == ANSWER
    assert type(sync_message) is type(async_message) is anthropic.types.Message
    for trace in spanscope_traces.traces:  # the spans still end, without the reply's messages
        (node,) = tree(trace)
        assert node["status"] == "OK" and node["outputs"]["id"] == "msg_fake"
        assert K.GEN_AI_OUTPUT_MESSAGES not in node["attributes"]
    assert len(spanscope_traces.traces) == 2
    assert spanscope.tracing.stats().internal_errors == 2
    assert BUG in caplog.text  # logged once at WARNING


@pytest.mark.internal_errors
def test_error_while_finishing_a_stream_keeps_the_events(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    with client.messages.create(**REQUEST, stream=True) as reference:
        expected = [event.to_dict() for event in reference]
    spanscope_traces.clear()
    monkeypatch.setattr(_messages, "assemble", boom)
    with strict_mode(False):
        with client.messages.create(**REQUEST, stream=True) as stream:
            assert [event.to_dict() for event in stream] == expected
        with client.messages.stream(**REQUEST) as helper:
            next(iter(helper))
        # close() ended that one early: the fault there is caught as well. A finished stream
        # is assembled on the export thread, so the traces are read while strict mode is off.
        nodes = [tree(t)[0] for t in spanscope_traces.traces]
    assert [(n["status"], n["outputs"]) for n in nodes] == [("OK", None), ("OK", None)]
    assert spanscope.tracing.stats().internal_errors == 2


@pytest.mark.internal_errors
def test_silent_mutes_the_warnings(
    client: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    spanscope.anthropic.autolog(silent=True)
    monkeypatch.setattr(_messages, "output_messages", boom)
    check_silent_mutes_the_warnings(
        lambda: client.messages.create(**REQUEST).content[0].text, ANSWER, caplog
    )


def test_provider_name_of_platform_clients(
    fake_llm: Any, traced: None, spanscope_traces: TraceCapture
) -> None:
    # AnthropicBedrock / AnthropicVertex set `_gen_ai_provider_name` ("aws.bedrock",
    # "gcp.vertex_ai"); a client subclass that does the same stands in for them here.
    class PlatformClient(anthropic.Anthropic):  # type: ignore[misc,name-defined]
        _gen_ai_provider_name = "aws.bedrock"

    with PlatformClient(
        base_url=fake_llm.anthropic_base_url, api_key="k", max_retries=0
    ) as platform:
        platform.messages.create(**REQUEST)
        with platform.beta.messages.stream(**REQUEST) as stream:
            stream.get_final_message()
    assert [
        span_tree(t, values=False, events=False, attributes=[K.GEN_AI_PROVIDER])[0]["attributes"]
        for t in spanscope_traces.traces
    ] == [{K.GEN_AI_PROVIDER: "aws.bedrock"}] * 2
