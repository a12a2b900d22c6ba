"""Tracing never breaks the caller: injected faults, disable/re-enable, silence, identity."""

from __future__ import annotations

import logging
import subprocess
import sys
from typing import Any

import pytest

import spanscope
import spanscope.openai
from spanscope.openai import _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.openai.helpers import ANSWER, QUESTION, USER, request, response, text, tree, usage

openai = pytest.importorskip("openai")

PATCHED = [
    ("openai.resources.chat.completions", "Completions", "create"),
    ("openai.resources.chat.completions", "AsyncCompletions", "create"),
    ("openai.resources.chat.completions", "Completions", "parse"),
    ("openai.resources.chat.completions", "AsyncCompletions", "parse"),
    ("openai.resources.responses", "Responses", "create"),
    ("openai.resources.responses", "AsyncResponses", "create"),
    ("openai.resources.responses", "Responses", "parse"),
    ("openai.resources.responses", "AsyncResponses", "parse"),
    ("openai.resources.responses", "Responses", "retrieve"),
    ("openai.resources.responses", "AsyncResponses", "retrieve"),
    ("openai.resources.embeddings", "Embeddings", "create"),
    ("openai.resources.embeddings", "AsyncEmbeddings", "create"),
    ("openai.resources.completions", "Completions", "create"),
    ("openai.resources.completions", "AsyncCompletions", "create"),
]


def methods() -> list[Any]:
    import importlib

    return [vars(getattr(importlib.import_module(m), c))[n] for m, c, n in PATCHED]


def boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("injected fault")


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.internal_errors
def test_fault_recording_the_response_leaves_the_call_untouched(
    client: Any,
    server: FakeLLMServer,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(_messages, "chat_output", boom)
    before = len(server.requests)
    with strict_mode(False), caplog.at_level(logging.WARNING, logger="spanscope"):
        completion = client.chat.completions.create(model="gpt-x", messages=USER)
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    assert completion.choices[0].message.content == ANSWER
    assert len(server.requests) == before + 1  # the original ran exactly once
    assert any("injected fault" in message for message in warnings_of(caplog))
    # The span still ends, with everything but the part that failed.
    assert tree(spanscope_traces) == [
        {
            "name": "openai.chat.completions.create",
            "span_type": "CHAT_MODEL",
            "status": "OK",
            "inputs": {"model": "gpt-x", "messages": USER},
            "outputs": completion.model_dump(mode="json"),
            "events": [],
            "attributes": {
                **request(),
                "gen_ai.input.messages": [text("user", QUESTION)],
                **usage(6, 8),
                **response("chatcmpl-fake"),
            },
            "children": [],
        }
    ]


@pytest.mark.internal_errors
@pytest.mark.parametrize("step", ["chat_input_messages", "request_inputs"])
async def test_fault_before_the_call_leaves_it_untouched(
    client: Any,
    aclient: Any,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    step: str,
) -> None:
    monkeypatch.setattr(_messages, step, boom)
    with strict_mode(False), caplog.at_level(logging.WARNING, logger="spanscope"):
        first = client.chat.completions.create(model="gpt-x", messages=USER)
        second = await aclient.chat.completions.create(model="gpt-x", messages=USER)
    assert first.choices[0].message.content == second.choices[0].message.content == ANSWER
    assert any("injected fault" in message for message in warnings_of(caplog))
    spans = [trace.data.spans for trace in spanscope_traces.traces]
    if step == "request_inputs":  # no span could start: the calls ran untraced
        assert spans == []
    else:  # traced without the input messages
        assert [[s.get_attribute("gen_ai.input.messages") for s in t] for t in spans] == [
            [None],
            [None],
        ]
        assert all(t[0].get_attribute("gen_ai.output.messages") for t in spans)


@pytest.mark.internal_errors
async def test_fault_assembling_a_stream_leaves_the_chunks_untouched(
    client: Any,
    aclient: Any,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_messages, "chat_output", boom)
    with strict_mode(False):
        chunks = list(client.chat.completions.create(model="gpt-x", messages=USER, stream=True))
        stream = await aclient.chat.completions.create(model="gpt-x", messages=USER, stream=True)
        async_chunks = [chunk async for chunk in stream]
    for received in (chunks, async_chunks):
        assert "".join(c.choices[0].delta.content or "" for c in received) == ANSWER
    for trace in spanscope_traces.traces:
        (span,) = trace.data.spans
        assert span.status.status_code.value == "OK"
        assert span.outputs["choices"][0]["message"]["content"] == ANSWER
        assert span.get_attribute("gen_ai.output.messages") is None


@pytest.mark.internal_errors
def test_silent_mutes_warnings_about_our_own_errors(
    client: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(_messages, "chat_output", boom)
    spanscope.openai.autolog(silent=True)
    with strict_mode(False), caplog.at_level(logging.DEBUG, logger="spanscope"):
        client.chat.completions.create(model="gpt-x", messages=USER)
        list(client.chat.completions.create(model="gpt-x", messages=USER, stream=True))
    assert warnings_of(caplog) == []
    assert any("injected fault" in r.getMessage() for r in caplog.records)  # at DEBUG


def test_disable_restores_the_original_objects(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.openai.autolog(disable=True)
    originals = methods()
    create = openai.resources.chat.completions.Completions.create
    spanscope.openai.autolog()
    assert all(a is not b for a, b in zip(methods(), originals, strict=True))
    client.chat.completions.create(model="gpt-x", messages=USER)
    spanscope.openai.autolog(disable=True)
    assert all(a is b for a, b in zip(methods(), originals, strict=True))
    assert openai.resources.chat.completions.Completions.create is create
    client.chat.completions.create(model="gpt-x", messages=USER)
    assert len(spanscope_traces.traces) == 1


def test_log_traces_false_traces_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.openai.autolog(disable=True)
    originals = methods()
    spanscope.openai.autolog(log_traces=False)
    assert all(a is b for a, b in zip(methods(), originals, strict=True))
    client.chat.completions.create(model="gpt-x", messages=USER)
    assert spanscope_traces.traces == []


def test_a_bound_method_kept_from_before_disable_stops_tracing(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    create = client.chat.completions.create  # bound while patched
    raw_create = client.chat.completions.with_raw_response.create  # caches it too
    spanscope.openai.autolog(disable=True)
    create(model="gpt-x", messages=USER)
    raw_create(model="gpt-x", messages=USER).parse()
    assert spanscope_traces.traces == []


def test_autolog_twice_gives_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.openai.autolog()
    spanscope.openai.autolog()
    client.chat.completions.create(model="gpt-x", messages=USER)
    with client.chat.completions.stream(model="gpt-x", messages=USER) as stream:
        stream.until_done()
    assert [len(trace.data.spans) for trace in spanscope_traces.traces] == [1, 1]


def test_spanscope_autolog_turns_openai_on(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.openai.autolog(disable=True)
    spanscope.autolog()
    client.chat.completions.create(model="gpt-x", messages=USER)
    assert [s["name"] for s in tree(spanscope_traces)] == ["openai.chat.completions.create"]


def test_tracing_disabled_means_no_spans(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.disable()
    try:
        completion = client.chat.completions.create(model="gpt-x", messages=USER)
    finally:
        spanscope.tracing.enable()
    assert completion.choices[0].message.content == ANSWER
    assert spanscope_traces.traces == []


def test_importing_the_integration_does_not_import_openai() -> None:
    code = "import sys, spanscope.openai; print('openai' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
