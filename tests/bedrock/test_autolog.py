"""autolog on / off / twice, clients made before it, other services, nesting, and spanscope's
own errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

import spanscope
import spanscope.bedrock
from spanscope.bedrock import _messages
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.autolog_checks import (
    autolog_on_import,
    boom,
    check_an_error_before_the_call,
    check_patches_are_reverted,
    imported_by,
    nested,
    nested_tree,
    single_spans,
)
from tests.bedrock.conftest import make_client
from tests.bedrock.expect import CONVERSE, CONVERSE_STREAM, INVOKE, MESSAGES, MODEL
from tests.genai_expect import ANSWER, QUESTION, tree

botocore = pytest.importorskip("botocore")

REQUEST = {"modelId": MODEL, "messages": MESSAGES}
BODY = json.dumps(
    {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": QUESTION}],
    }
)


def _answer(response: dict[str, Any]) -> str:
    return str(response["output"]["message"]["content"][0]["text"])


def _streamed(client: Any) -> str:
    events = client.converse_stream(**REQUEST)["stream"]
    return "".join(
        e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e
    )


def test_importing_the_integration_does_not_import_boto3() -> None:
    assert imported_by("spanscope.bedrock", "boto3", "botocore") == [False, False]


def test_disable_restores_the_original_method() -> None:
    from botocore.client import BaseClient

    check_patches_are_reverted(spanscope.bedrock.autolog, [(BaseClient, "_make_api_call")])


def test_disabled_it_traces_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.bedrock.autolog(disable=True)
    assert _answer(client.converse(**REQUEST)) == ANSWER
    stream = client.converse_stream(**REQUEST)["stream"]
    assert type(stream) is botocore.eventstream.EventStream  # left as botocore made it
    assert len(list(stream)) > 0
    assert spanscope_traces.traces == []


def test_log_traces_false_records_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.bedrock.autolog(log_traces=False)
    assert _answer(client.converse(**REQUEST)) == ANSWER
    assert spanscope_traces.traces == []


def test_autolog_twice_gives_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.bedrock.autolog()  # the fixture already called it once
    spanscope.bedrock.autolog()
    client.converse(**REQUEST)
    assert _streamed(client) == ANSWER
    client.invoke_model(modelId=MODEL, body=BODY)["body"].read()
    assert single_spans(spanscope_traces) == [CONVERSE, CONVERSE_STREAM, INVOKE]


def test_a_client_made_before_autolog_is_traced(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    early = make_client(fake_llm)
    spanscope.bedrock.autolog()
    assert _answer(early.converse(**REQUEST)) == ANSWER
    assert [node["name"] for node in tree(spanscope_traces.single())] == [CONVERSE]


def test_other_operations_and_services_are_not_traced(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    # The fake serves neither; their errors pass through untouched and untraced.
    with pytest.raises(botocore.exceptions.ClientError):
        client.apply_guardrail(
            guardrailIdentifier="g", guardrailVersion="1", source="INPUT", content=[]
        )
    with pytest.raises(botocore.exceptions.ClientError):
        make_client(fake_llm, "bedrock").list_foundation_models()
    assert spanscope_traces.traces == []


def test_spanscope_autolog_turns_it_on(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.autolog()
    make_client(fake_llm).converse(**REQUEST)
    assert [node["name"] for node in tree(spanscope_traces.single())] == [CONVERSE]


def test_spanscope_autolog_waits_for_the_boto3_import() -> None:
    assert autolog_on_import("bedrock", "boto3") == [False, True]


def test_calls_in_a_user_span_are_its_children(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def agent() -> str:
        client.converse(**REQUEST)
        _streamed(client)
        return "done"

    assert agent() == "done"
    trace = spanscope_traces.single()
    assert nested(trace) == nested_tree(MODEL, CONVERSE, CONVERSE_STREAM)
    assert trace.info.token_usage is not None
    assert trace.info.token_usage["output_tokens"] == 16  # the two calls, each counted once


def test_tracing_disabled_records_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.disable()
    try:
        assert _answer(client.converse(**REQUEST)) == ANSWER
        assert _streamed(client) == ANSWER
    finally:
        spanscope.tracing.enable()
    assert spanscope_traces.traces == []


# -- spanscope's own errors never change the call ---------------------------------------------


@pytest.mark.internal_errors
def test_error_before_the_call_leaves_it_untraced(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "input_messages", boom)
    check_an_error_before_the_call(
        lambda: _answer(client.converse(**REQUEST)), ANSWER, spanscope_traces
    )


@pytest.mark.internal_errors
def test_error_after_the_call_keeps_its_result(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "output_messages", boom)
    with strict_mode(False):
        response = client.converse(**REQUEST)
    assert _answer(response) == ANSWER
    (node,) = tree(spanscope_traces.single())  # the span still ends, without the reply
    assert node["status"] == "OK"
    assert node["outputs"]["stopReason"] == "end_turn"
    assert K.GEN_AI_OUTPUT_MESSAGES not in node["attributes"]
    assert spanscope.tracing.stats().internal_errors == 1


@pytest.mark.internal_errors
def test_error_while_finishing_a_stream_keeps_the_events(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "assemble", boom)
    with strict_mode(False):
        assert _streamed(client) == ANSWER
        # A finished stream is assembled on the export thread: read the trace in strict off.
        (node,) = tree(spanscope_traces.single())
    assert (node["status"], node["outputs"]) == ("OK", None)
    assert spanscope.tracing.stats().internal_errors == 1
