"""autolog on / off / twice, nesting under user spans, and spanscope's own errors."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import pytest

import spanscope
import spanscope.google_genai
from spanscope.constants import SpanAttributeKey as K
from spanscope.google_genai import _messages
from spanscope.testing import TraceCapture, span_tree, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
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
    code = "import sys, spanscope.google_genai; print('google.genai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_disable_restores_the_original_objects() -> None:
    from google.genai import models

    originals = {(owner, name): vars(owner)[name] for owner, name in patch_points()}
    count_tokens = vars(models.Models)["count_tokens"]
    spanscope.google_genai.autolog()
    assert all(vars(owner)[name] is not originals[owner, name] for owner, name in originals)
    assert vars(models.Models)["count_tokens"] is count_tokens
    spanscope.google_genai.autolog(disable=True)
    assert all(vars(owner)[name] is originals[owner, name] for owner, name in originals)


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
    assert [[node["name"] for node in tree(t)] for t in spanscope_traces.traces] == [
        [GENERATE],
        [STREAM],
        [EMBED],
    ]
    assert all(not tree(t)[0]["children"] for t in spanscope_traces.traces)


def test_spanscope_autolog_turns_it_on(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.autolog()
    with make_client(fake_llm) as plain:
        plain.models.generate_content(**REQUEST)
    assert [node["name"] for node in tree(spanscope_traces.single())] == [GENERATE]


def test_spanscope_autolog_waits_for_the_sdk_import() -> None:
    code = (
        "import sys, spanscope\n"
        "from spanscope.integrations import registered\n"
        "spanscope.autolog(exclude=[i.name for i in registered() if i.name != 'google_genai'])\n"
        "print('google.genai' in sys.modules)\n"
        "from google import genai\n"
        "from spanscope.patching import is_patched\n"
        "print(is_patched('google_genai'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_tracing_disabled_records_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.disable()
    try:
        assert client.models.generate_content(**REQUEST).text == ANSWER
        assert len(list(client.models.generate_content_stream(**REQUEST))) == ANSWER_CHUNKS
    finally:
        spanscope.tracing.enable()
    assert spanscope_traces.traces == []


NESTED = [K.GEN_AI_REQUEST_MODEL, K.GEN_AI_OUTPUT_TOKENS]


def nested_tree() -> list[dict[str, Any]]:
    def leaf(name: str) -> dict[str, Any]:
        return {
            "name": name,
            "span_type": "CHAT_MODEL",
            "status": "OK",
            "attributes": {K.GEN_AI_REQUEST_MODEL: MODEL, K.GEN_AI_OUTPUT_TOKENS: 8},
            "children": [],
        }

    return [
        {
            "name": "agent",
            "span_type": "AGENT",
            "status": "OK",
            "attributes": {K.GEN_AI_REQUEST_MODEL: None, K.GEN_AI_OUTPUT_TOKENS: None},
            "children": [leaf(GENERATE), leaf(STREAM)],
        }
    ]


def test_calls_in_a_user_span_are_its_children(client: Any, spanscope_traces: TraceCapture) -> None:
    @spanscope.trace(span_type="AGENT")
    def agent() -> str:
        client.models.generate_content(**REQUEST)
        list(client.models.generate_content_stream(**REQUEST))
        return "done"

    assert agent() == "done"
    trace = spanscope_traces.single()
    assert span_tree(trace, attributes=NESTED, values=False, events=False) == nested_tree()
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
    assert span_tree(trace, attributes=NESTED, values=False, events=False) == nested_tree()


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


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("bug in spanscope")


@pytest.mark.internal_errors
def test_error_before_the_call_leaves_it_untraced(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "content_messages", _boom)
    with strict_mode(False):
        response = client.models.generate_content(**REQUEST)
    assert response.text == ANSWER
    assert spanscope_traces.traces == []  # no half-made span either
    assert spanscope.tracing.stats().internal_errors == 1


@pytest.mark.internal_errors
async def test_error_after_the_call_keeps_its_result(
    client: Any,
    aclient: Any,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(_messages, "output_messages", _boom)
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
    assert "bug in spanscope" in caplog.text  # logged once at WARNING


@pytest.mark.internal_errors
def test_silent_mutes_the_warnings(
    client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    spanscope.google_genai.autolog(silent=True)
    monkeypatch.setattr(_messages, "output_messages", _boom)
    with strict_mode(False), caplog.at_level(logging.WARNING, "spanscope"):
        assert client.models.generate_content(**REQUEST).text == ANSWER
    assert "bug in spanscope" not in caplog.text
    assert spanscope.tracing.stats().internal_errors == 1


@pytest.mark.internal_errors
def test_error_while_finishing_a_stream_keeps_the_chunks(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "assemble", _boom)
    with strict_mode(False):
        chunks = list(client.models.generate_content_stream(**REQUEST))
        # A finished stream is assembled on the export thread: read the trace in strict off.
        (node,) = tree(spanscope_traces.single())
    assert "".join(chunk.text for chunk in chunks) == ANSWER
    assert (node["status"], node["outputs"]) == ("OK", None)
    assert node["events"] == ["stream.chunk"] * ANSWER_CHUNKS
    assert spanscope.tracing.stats().internal_errors == 1
