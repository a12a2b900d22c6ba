"""ollama autolog lifecycle: abandoned streams, user errors, our own errors, enable and disable."""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
from typing import Any

import pytest

import spanscope
import spanscope.ollama
from spanscope.ollama import _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.ollama.expected import ANSWER, MODEL, USER, chat_span, tree

ollama = pytest.importorskip("ollama")

METHODS = ("chat", "generate", "embed", "embeddings")


@pytest.mark.usefixtures("traced")
def test_abandoned_streams_end_their_spans(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.chat(model=MODEL, messages=USER, stream=True)
    first = next(stream)
    del stream  # dropped halfway: the span ends with what came
    never_started = client.chat(model=MODEL, messages=USER, stream=True)
    del never_started  # dropped before the first part (no request was even sent)
    gc.collect()
    halfway, unstarted = (tree(trace)[0] for trace in spanscope_traces.traces)
    assert (halfway["status"], halfway["events"]) == ("OK", ["stream.chunk"])
    assert halfway["outputs"] == first.model_dump(mode="json")
    assert halfway["attributes"]["gen_ai.output.messages"] == [
        {"role": "assistant", "parts": [{"type": "text", "content": "You"}]}
    ]
    assert (unstarted["status"], unstarted["events"], unstarted["outputs"]) == ("OK", [], None)
    assert "gen_ai.output.messages" not in unstarted["attributes"]


@pytest.mark.usefixtures("traced")
async def test_abandoned_async_stream(aclient: Any, spanscope_traces: TraceCapture) -> None:
    stream = await aclient.chat(model=MODEL, messages=USER, stream=True)
    await stream.__anext__()
    del stream
    gc.collect()
    for _ in range(5):  # the event loop closes a collected async generator in a task
        await asyncio.sleep(0)
    [span] = tree(spanscope_traces.single())
    assert (span["status"], span["events"]) == ("OK", ["stream.chunk"])


@pytest.mark.usefixtures("traced")
def test_closed_stream_ends_its_span(client: Any, spanscope_traces: TraceCapture) -> None:
    stream = client.chat(model=MODEL, messages=USER, stream=True)
    next(stream)
    stream.close()
    [span] = tree(spanscope_traces.single())
    assert span["events"] == ["stream.chunk"]


@pytest.mark.usefixtures("traced")
def test_user_exception_while_iterating(client: Any, spanscope_traces: TraceCapture) -> None:
    def consume() -> None:
        for part in client.chat(model=MODEL, messages=USER, stream=True):
            raise KeyError(part.message.content)

    with pytest.raises(KeyError, match="You"):
        consume()
    [span] = tree(spanscope_traces.single())
    # The stream did not fail, the caller's code did: the span ends OK with what came.
    assert (span["status"], span["events"]) == ("OK", ["stream.chunk"])


@pytest.mark.internal_errors
@pytest.mark.usefixtures("traced")
@pytest.mark.parametrize("stream", [False, True])
def test_error_converting_the_request_leaves_the_call_untraced_and_untouched(
    stream: bool,
    client: Any,
    fake_llm: FakeLLMServer,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_messages, "genai_messages", _broken)
    fake_llm.reset()
    with strict_mode(False):
        if stream:
            parts = list(client.chat(model=MODEL, messages=USER, stream=True))
            assert [type(p) for p in parts] == [ollama.ChatResponse] * 6
            assert "".join(p.message.content for p in parts) == ANSWER
        else:
            assert client.chat(model=MODEL, messages=USER).message.content == ANSWER
    assert len(fake_llm.requests) == 1  # the client ran exactly once
    assert spanscope_traces.traces == []
    assert spanscope.tracing.stats().internal_errors == 1


@pytest.mark.internal_errors
@pytest.mark.usefixtures("traced")
@pytest.mark.parametrize("stream", [False, True])
def test_error_converting_the_reply_still_ends_the_span(
    stream: bool,
    client: Any,
    fake_llm: FakeLLMServer,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    convert = _messages.genai_message

    def broken_replies(message: Any, role: str) -> Any:
        return _broken() if role == "assistant" else convert(message, role)

    monkeypatch.setattr(_messages, "genai_message", broken_replies)
    fake_llm.reset()
    with strict_mode(False):
        if stream:
            parts = list(client.chat(model=MODEL, messages=USER, stream=True))
            text = "".join(p.message.content for p in parts)
        else:
            text = client.chat(model=MODEL, messages=USER).message.content
        spanscope.flush()  # a stream is assembled on the export thread: while strict is off
    assert text == ANSWER
    assert len(fake_llm.requests) == 1
    assert spanscope.tracing.stats().internal_errors == 1
    [span] = tree(spanscope_traces.single())
    expected = chat_span("ollama.chat")
    assert span["status"] == "OK"
    assert span["outputs"] == expected["outputs"]
    assert "gen_ai.output.messages" not in span["attributes"]
    assert (
        span["attributes"]["gen_ai.input.messages"]
        == expected["attributes"]["gen_ai.input.messages"]
    )


def _broken(*args: Any) -> Any:
    raise RuntimeError("bug in spanscope")


def test_disable_restores_the_exact_originals(
    client: Any, module_client: Any, spanscope_traces: TraceCapture
) -> None:
    classes = (ollama.Client, ollama.AsyncClient)
    originals = {(owner, m): vars(owner)[m] for owner in classes for m in METHODS}
    module_functions = {m: vars(ollama)[m] for m in METHODS}
    spanscope.ollama.autolog()
    assert all(vars(owner)[m] is not fn for (owner, m), fn in originals.items())
    assert all(vars(ollama)[m] is not fn for m, fn in module_functions.items())
    spanscope.ollama.autolog(disable=True)
    assert all(vars(owner)[m] is fn for (owner, m), fn in originals.items())
    assert all(vars(ollama)[m] is fn for m, fn in module_functions.items())
    assert module_functions["chat"].__self__ is module_client  # still the import-time client
    with spanscope.start_span("untraced calls"):
        client.chat(model=MODEL, messages=USER)
        ollama.chat(model=MODEL, messages=USER)
    assert [s.name for s in spanscope_traces.single().data.spans] == ["untraced calls"]


@pytest.mark.usefixtures("module_client")
def test_autolog_twice_gives_one_span(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.ollama.autolog()
    spanscope.ollama.autolog()
    client.chat(model=MODEL, messages=USER)
    ollama.chat(model=MODEL, messages=USER)
    assert [tree(trace) for trace in spanscope_traces.traces] == [
        [chat_span("ollama.chat")],
        [chat_span("ollama.chat")],
    ]
    spanscope.ollama.autolog(disable=True)


def test_importing_the_integration_does_not_import_ollama() -> None:
    probe = (
        "import json, sys, spanscope.ollama; "
        "print(json.dumps(['ollama' in sys.modules, callable(spanscope.ollama.autolog)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == [False, True]
