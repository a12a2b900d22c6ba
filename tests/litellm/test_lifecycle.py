"""litellm autolog lifecycle: the stream wrapper's life, our own errors, enable and disable,
and living beside openai autolog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

import spanscope
import spanscope.litellm
from spanscope.litellm import _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.litellm.expected import (
    ANSWER,
    LITELLM_WARNINGS,
    USER,
    acollect_until,
    chat_attributes,
    collect_until,
    tree,
)

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
litellm = pytest.importorskip("litellm")
pytestmark = LITELLM_WARNINGS

FUNCTIONS = ("completion", "acompletion", "embedding", "aembedding")


def _stream(options: dict[str, Any]) -> Any:
    return litellm.completion(model="openai/gpt-x", messages=USER, stream=True, **options)


@pytest.mark.usefixtures("traced")
def test_abandoned_closed_and_unstarted_streams_end_their_spans(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    stream = _stream(openai_options)
    next(stream)
    del stream  # dropped halfway
    collect_until(lambda: len(spanscope_traces.traces) == 1)
    with _stream(openai_options) as stream:  # `with` closes it
        next(stream)
    never_started = _stream(openai_options)
    del never_started
    collect_until(lambda: len(spanscope_traces.traces) == 3)
    closed_unstarted = _stream(openai_options)
    closed_unstarted.close()
    dropped, closed, unstarted, closed_early = (tree(t)[0] for t in spanscope_traces.traces)
    # The first chunk only says who speaks; no finish reason was sent, none is made up.
    expected = chat_attributes(usage=None)
    expected["gen_ai.output.messages"] = [{"role": "assistant", "parts": []}]
    del expected["gen_ai.response.finish_reasons"]
    for span in (dropped, closed):
        assert (span["status"], span["events"], span["attributes"]) == (
            "OK",
            ["stream.chunk"],
            expected,
        )
    for span in (unstarted, closed_early):
        assert (span["status"], span["events"], span["outputs"]) == ("OK", [], None)
        assert "gen_ai.output.messages" not in span["attributes"]


@pytest.mark.usefixtures("traced")
async def test_async_stream_closed_or_abandoned(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    async def start() -> Any:
        return await litellm.acompletion(
            model="openai/gpt-x", messages=USER, stream=True, **openai_options
        )

    async with await start() as stream:  # `async with` closes it
        await stream.__anext__()
    abandoned = await start()
    await abandoned.__anext__()
    del abandoned
    await acollect_until(lambda: len(spanscope_traces.traces) == 2)
    closed, dropped = (tree(t)[0] for t in spanscope_traces.traces)
    for span in (closed, dropped):
        assert (span["status"], span["events"]) == ("OK", ["stream.chunk"])


@pytest.mark.usefixtures("traced")
def test_user_exception_while_iterating(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    def consume() -> None:
        for chunk in _stream(openai_options):
            if chunk.choices[0].delta.content:
                raise KeyError(chunk.choices[0].delta.content)

    with pytest.raises(KeyError, match="You"):
        consume()
    collect_until(lambda: len(spanscope_traces.traces) == 1)
    [span] = tree(spanscope_traces.single())
    # The stream did not fail, the caller's code did: the span ends OK with what came.
    assert (span["status"], span["events"]) == ("OK", ["stream.chunk"] * 2)
    assert span["attributes"]["gen_ai.output.messages"] == [
        {"role": "assistant", "parts": [{"type": "text", "content": "You"}]}
    ]


@pytest.mark.usefixtures("traced")
async def test_fallbacks_nest_and_share_one_stream(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    """litellm's fallbacks call `litellm.acompletion` again: the retry is a child span, and
    the stream both return feeds both spans."""
    stream = await litellm.acompletion(
        model="openai/error-500",
        messages=USER,
        stream=True,
        fallbacks=["openai/gpt-x"],
        **openai_options,
    )
    assert isinstance(stream, litellm.CustomStreamWrapper)
    chunks = [chunk async for chunk in stream]
    [outer] = tree(spanscope_traces.single())
    failed, fallback = outer["children"]
    assert [(s["name"], s["status"]) for s in (outer, failed, fallback)] == [
        ("litellm.acompletion", "OK"),
        ("litellm.acompletion", "ERROR"),
        ("litellm.acompletion", "OK"),
    ]
    assert outer["events"] == fallback["events"] == ["stream.chunk"] * len(chunks)
    assert outer["outputs"] == fallback["outputs"]
    assert fallback["attributes"] == chat_attributes(usage=None)
    assert outer["attributes"]["gen_ai.request.model"] == "error-500"
    # Innermost first: the fallback's span ends before the call's around it.
    ends = sorted(spanscope_traces.single().data.spans, key=lambda s: s.end_time_ns or 0)
    assert [s.parent_id is None for s in ends] == [False, False, True]


@pytest.mark.internal_errors
@pytest.mark.usefixtures("traced")
@pytest.mark.parametrize("stream", [False, True])
def test_error_converting_the_request_leaves_the_call_untraced_and_untouched(
    stream: bool,
    openai_options: dict[str, Any],
    fake_llm: FakeLLMServer,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_messages, "genai_messages", _broken)
    fake_llm.reset()
    with strict_mode(False):
        result = litellm.completion(
            model="openai/gpt-x", messages=USER, stream=stream, **openai_options
        )
        if stream:
            assert type(result) is litellm.CustomStreamWrapper  # not even wrapped
            text = "".join(c.choices[0].delta.content or "" for c in result if c.choices)
        else:
            text = result.choices[0].message.content
        spanscope.flush()  # a stream is assembled on the export thread: while strict is off
    assert text == ANSWER
    assert len(fake_llm.requests) == 1  # litellm ran exactly once
    assert spanscope_traces.traces == []
    assert spanscope.tracing.stats().internal_errors == 1


@pytest.mark.internal_errors
@pytest.mark.usefixtures("traced")
@pytest.mark.parametrize("stream", [False, True])
def test_error_converting_the_reply_still_ends_the_span(
    stream: bool,
    openai_options: dict[str, Any],
    fake_llm: FakeLLMServer,
    spanscope_traces: TraceCapture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_messages, "output_messages", _broken)
    fake_llm.reset()
    with strict_mode(False):
        result = litellm.completion(
            model="openai/gpt-x", messages=USER, stream=stream, **openai_options
        )
        if stream:
            text = "".join(c.choices[0].delta.content or "" for c in result if c.choices)
        else:
            text = result.choices[0].message.content
        spanscope.flush()  # a stream is assembled on the export thread: while strict is off
    assert text == ANSWER
    assert len(fake_llm.requests) == 1
    assert spanscope.tracing.stats().internal_errors == 1
    [span] = tree(spanscope_traces.single())
    assert span["status"] == "OK" and span["outputs"]["choices"][0]["message"]["content"] == ANSWER
    assert "gen_ai.output.messages" not in span["attributes"]
    assert span["attributes"]["gen_ai.input.messages"] == chat_attributes()["gen_ai.input.messages"]


def _broken(*args: Any) -> Any:
    raise RuntimeError("bug in spanscope")


def test_disable_restores_the_exact_originals(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    originals = {name: vars(litellm)[name] for name in FUNCTIONS}
    stream_class = litellm.CustomStreamWrapper
    spanscope.litellm.autolog()
    patched = {name: vars(litellm)[name] for name in FUNCTIONS}
    assert all(patched[name] is not originals[name] for name in FUNCTIONS)
    spanscope.litellm.autolog(disable=True)
    assert all(vars(litellm)[name] is originals[name] for name in FUNCTIONS)
    assert litellm.CustomStreamWrapper is stream_class
    with spanscope.start_span("untraced calls"):
        litellm.completion(model="openai/gpt-x", messages=USER, **openai_options)
        patched["completion"](model="openai/gpt-x", messages=USER, **openai_options)  # kept
        stream = litellm.completion(
            model="openai/gpt-x", messages=USER, stream=True, **openai_options
        )
        assert type(stream) is stream_class
        list(stream)
    assert [s.name for s in spanscope_traces.single().data.spans] == ["untraced calls"]


def test_autolog_twice_gives_one_span(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    spanscope.litellm.autolog()
    spanscope.litellm.autolog()
    try:
        list(litellm.completion(model="openai/gpt-x", messages=USER, stream=True, **openai_options))
    finally:
        spanscope.litellm.autolog(disable=True)
    [span] = tree(spanscope_traces.single())
    assert span["name"] == "litellm.completion" and span["events"] == ["stream.chunk"] * 6


@pytest.mark.usefixtures("traced")
def test_credentials_are_redacted(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    litellm.completion(
        model="openai/gpt-x",
        messages=USER,
        api_base=fake_llm.openai_base_url,
        api_key="sk-very-secret",
        extra_headers={"Authorization": "Bearer sk-very-secret", "X-Trace": "1"},
        max_retries=0,
    )
    trace = spanscope_traces.single()
    assert "sk-very-secret" not in json.dumps(trace.to_dict())
    inputs = trace.data.spans[0].inputs
    assert inputs["extra_headers"] == {"Authorization": "***", "X-Trace": "1"}
    assert inputs["api_key"] == "***"


@pytest.mark.usefixtures("traced")
async def test_with_openai_autolog_spans_nest_and_are_not_doubled(
    openai_options: dict[str, Any], spanscope_traces: TraceCapture
) -> None:
    """litellm's OpenAI provider posts with the openai client's low-level `post`, which
    openai autolog does not patch; where it does go through a patched method (embeddings
    with `encoding_format`), that span is a child of the litellm span, never a sibling."""
    openai_integration = pytest.importorskip("spanscope.openai")
    openai_integration.autolog()
    try:
        litellm.completion(model="openai/gpt-x", messages=USER, **openai_options)
        list(litellm.completion(model="openai/gpt-x", messages=USER, stream=True, **openai_options))
        await litellm.acompletion(model="openai/gpt-x", messages=USER, **openai_options)
        litellm.embedding(model="openai/emb-x", input="a", **openai_options)
        options = {"encoding_format": "float", **openai_options}
        litellm.embedding(model="openai/emb-x", input="a", **options)
        await litellm.aembedding(model="openai/emb-x", input="a", **options)
    finally:
        openai_integration.autolog(disable=True)
    shapes = []
    for trace in spanscope_traces.traces:
        [root] = tree(trace)
        assert root["name"].startswith("litellm.")
        for child in root["children"]:
            assert child["name"].startswith("openai.") and not child["children"]
        shapes.append((root["name"], [child["name"] for child in root["children"]]))
    assert [name for name, _ in shapes] == [
        "litellm.completion",
        "litellm.completion",
        "litellm.acompletion",
        "litellm.embedding",
        "litellm.embedding",
        "litellm.aembedding",
    ]
    assert [children for _, children in shapes[:4]] == [[], [], [], []]
    assert all(len(children) <= 1 for _, children in shapes)


def test_importing_the_integration_does_not_import_litellm() -> None:
    probe = (
        "import json, sys, spanscope.litellm; "
        "print(json.dumps(['litellm' in sys.modules, callable(spanscope.litellm.autolog)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(out.stdout) == [False, True]
