"""autolog on / off / twice, nesting under user spans, and spanscope's own errors."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import spanscope
import spanscope.google_genai
from spanscope.constants import SpanAttributeKey as K
from spanscope.google_genai import _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.autolog_checks import (
    BUG,
    autolog_on_import,
    boom,
    check_an_error_before_the_call,
    check_patches_are_reverted,
    check_silent_mutes_the_warnings,
    imported_by,
    nested,
    nested_tree,
    single_spans,
)
from tests.genai_expect import ANSWER, QUESTION, tree
from tests.google_genai.conftest import make_client
from tests.google_genai.expect import ANSWER_CHUNKS, EMBED, GENERATE, MODEL, STREAM

genai = pytest.importorskip("google.genai")

REQUEST = {"model": MODEL, "contents": QUESTION}
METHODS = ("generate_content", "generate_content_stream", "embed_content")


def patch_points() -> list[tuple[Any, str]]:
    from google.genai import models

    return [(owner, name) for owner in (models.Models, models.AsyncModels) for name in METHODS]


def test_importing_the_integration_does_not_import_the_sdk() -> None:
    assert imported_by("spanscope.google_genai", "google.genai") == [False]


def test_disable_restores_the_original_objects() -> None:
    from google.genai import models

    untouched = [(models.Models, "count_tokens")]
    check_patches_are_reverted(spanscope.google_genai.autolog, patch_points(), untouched)


def test_disabled_it_traces_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.google_genai.autolog(disable=True)
    assert client.models.generate_content(**REQUEST).text == ANSWER
    assert len(list(client.models.generate_content_stream(**REQUEST))) == ANSWER_CHUNKS
    assert spanscope_traces.traces == []


def test_log_traces_false_records_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.google_genai.autolog(log_traces=False)
    assert client.models.generate_content(**REQUEST).text == ANSWER
    assert spanscope_traces.traces == []


def test_autolog_twice_gives_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.google_genai.autolog()  # the fixture already called it once
    spanscope.google_genai.autolog()
    client.models.generate_content(**REQUEST)
    list(client.models.generate_content_stream(**REQUEST))
    client.models.embed_content(model="gemini-embedding-001", contents="Paris")
    assert single_spans(spanscope_traces) == [GENERATE, STREAM, EMBED]


def test_spanscope_autolog_turns_it_on(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.autolog()
    with make_client(fake_llm) as plain:
        plain.models.generate_content(**REQUEST)
    assert [node["name"] for node in tree(spanscope_traces.single())] == [GENERATE]


def test_spanscope_autolog_waits_for_the_sdk_import() -> None:
    assert autolog_on_import("google_genai", "google.genai") == [False, True]


def test_tracing_disabled_records_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.disable()
    try:
        assert client.models.generate_content(**REQUEST).text == ANSWER
        assert len(list(client.models.generate_content_stream(**REQUEST))) == ANSWER_CHUNKS
    finally:
        spanscope.tracing.enable()
    assert spanscope_traces.traces == []


def test_calls_in_a_user_span_are_its_children(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def agent() -> str:
        client.models.generate_content(**REQUEST)
        list(client.models.generate_content_stream(**REQUEST))
        return "done"

    assert agent() == "done"
    trace = spanscope_traces.single()
    assert nested(trace) == nested_tree(MODEL, GENERATE, STREAM)
    assert trace.info.token_usage is not None
    assert trace.info.token_usage["output_tokens"] == 16  # the two calls, each counted once


async def test_calls_in_a_user_span_are_its_children_async(
    aclient: Any, spanscope_traces: TraceCapture
) -> None:
    @spanscope.trace(span_type="AGENT")
    async def agent() -> str:
        await aclient.models.generate_content(**REQUEST)
        [chunk async for chunk in await aclient.models.generate_content_stream(**REQUEST)]
        return "done"

    assert await agent() == "done"
    trace = spanscope_traces.single()
    assert nested(trace) == nested_tree(MODEL, GENERATE, STREAM)


def test_a_vertex_client_names_its_provider(fake_llm: FakeLLMServer, traced: None) -> None:
    from spanscope.google_genai._call import provider_of

    with make_client(fake_llm) as gemini:
        assert provider_of(gemini.models) == "gcp.gemini"
    vertex = genai.Client(
        vertexai=True,
        api_key="vertex-fake",  # express mode: no Google Cloud credentials are looked up
        http_options=genai.types.HttpOptions(base_url=fake_llm.gemini_base_url),
    )
    assert provider_of(vertex.models) == provider_of(vertex.aio.models) == "gcp.vertex_ai"
    vertex.close()


# -- spanscope's own errors never change the call ---------------------------------------------


@pytest.mark.internal_errors
def test_error_before_the_call_leaves_it_untraced(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "content_messages", boom)
    check_an_error_before_the_call(
        lambda: client.models.generate_content(**REQUEST).text, ANSWER, spanscope_traces
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
        sync_response = client.models.generate_content(**REQUEST)
        async_response = await aclient.models.generate_content(**REQUEST)
    assert sync_response.text == async_response.text == ANSWER
    assert type(sync_response) is type(async_response) is genai.types.GenerateContentResponse
    for trace in spanscope_traces.traces:  # the spans still end, without the reply's messages
        (node,) = tree(trace)
        assert node["status"] == "OK"
        assert node["outputs"]["response_id"] == "fake-gemini-response"
        assert K.GEN_AI_OUTPUT_MESSAGES not in node["attributes"]
    assert len(spanscope_traces.traces) == 2
    assert spanscope.tracing.stats().internal_errors == 2
    assert BUG in caplog.text  # logged once at WARNING


@pytest.mark.internal_errors
def test_silent_mutes_the_warnings(
    client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spanscope.google_genai.autolog(silent=True)
    monkeypatch.setattr(_messages, "output_messages", boom)
    check_silent_mutes_the_warnings(
        lambda: client.models.generate_content(**REQUEST).text, ANSWER, caplog
    )


@pytest.mark.internal_errors
def test_error_while_finishing_a_stream_keeps_the_chunks(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "assemble", boom)
    with strict_mode(False):
        chunks = list(client.models.generate_content_stream(**REQUEST))
        # A finished stream is assembled on the export thread: read the trace in strict off.
        (node,) = tree(spanscope_traces.single())
    assert "".join(chunk.text for chunk in chunks) == ANSWER
    assert (node["status"], node["outputs"]) == ("OK", None)
    assert node["events"] == ["stream.chunk"] * ANSWER_CHUNKS
    assert spanscope.tracing.stats().internal_errors == 1
