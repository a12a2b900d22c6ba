"""Streamed runs (`RunConfig(streaming_mode=SSE)`), async and sync: the caller gets every
partial event, each model span the whole reply and its usage; a run dropped early still ends
its spans."""

from __future__ import annotations

import pytest

from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.google_adk.helpers import (
    ANSWER,
    CHAT_KEYS,
    TOOL_ANSWER,
    Setup,
    collect,
    event_text,
    final_text,
    get_weather,
    run,
    run_async,
    text,
)
from tests.outline import outline

TOOL_OUTLINE = [
    "weather_app [AGENT]",
    "  weather_agent [AGENT]",
    "    Gemini [CHAT_MODEL]",
    "    get_weather [TOOL]",
    "      lookup [UNKNOWN]",
    "    Gemini [CHAT_MODEL]",
]


async def test_a_streamed_run_gives_every_event_and_the_whole_reply(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    events = [event async for event in run_async(Setup(fake_llm).runner(), stream=True)]

    partial = [event_text(event) for event in events if event.partial]
    assert "".join(partial) == ANSWER and len(partial) == 8
    assert final_text(events) == ANSWER
    trace = spanscope_traces.single()
    assert trace.data.spans[0].outputs == ANSWER
    (model,) = trace.search_spans(span_type="CHAT_MODEL")
    attributes = {key: model.get_attribute(key) for key in CHAT_KEYS}
    assert attributes[K.GEN_AI_OUTPUT_MESSAGES] == [text("assistant", ANSWER, finish_reason="stop")]
    assert (attributes[K.GEN_AI_INPUT_TOKENS], attributes[K.GEN_AI_OUTPUT_TOKENS]) == (17, 8)
    assert model.outputs["content"] == {"role": "model", "parts": [{"text": ANSWER}]}
    assert trace.info.token_usage == {"input_tokens": 17, "output_tokens": 8, "total_tokens": 25}


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_streamed_tool_round_trip_is_traced_as_one_unstreamed(
    is_async: bool, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    setup = Setup(fake_llm)
    runner = setup.runner(setup.agent(tools=[get_weather]))
    events = await collect(runner, is_async, stream=True)

    assert final_text(events) == TOOL_ANSWER
    trace = spanscope_traces.single()
    assert outline(trace) == TOOL_OUTLINE
    assert trace.info.token_usage == {"input_tokens": 40, "output_tokens": 8, "total_tokens": 48}


async def test_a_run_dropped_after_its_first_event_ends_its_spans(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    events = run_async(Setup(fake_llm).runner(), stream=True)
    async for _ in events:
        break
    await events.aclose()  # type: ignore[attr-defined]

    trace = spanscope_traces.single()
    agents, model_line = outline(trace)[:2], outline(trace)[2:]
    assert agents == ["weather_app [AGENT]", "  weather_agent [AGENT]"]
    # ADK runs the agent ahead of the caller: the model call has either given its reply by the
    # time the run is dropped, or is still streaming and is cancelled with the run (a loaded
    # machine). Either way its span ends, and says which.
    (model,) = trace.search_spans(span_type="CHAT_MODEL")
    if model_line == ["    Gemini [CHAT_MODEL]"]:
        assert model.outputs["content"]["parts"][0]["text"].startswith("You")
    else:
        assert model_line == ["    Gemini [CHAT_MODEL] ERROR: CancelledError: "]
        assert model.end_time_ns is not None


def test_a_sync_run_dropped_after_its_first_event_ends_its_spans(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    events = run(Setup(fake_llm).runner(), stream=True)
    next(events)
    events.close()  # type: ignore[attr-defined]

    assert outline(spanscope_traces.single())[:2] == [
        "weather_app [AGENT]",
        "  weather_agent [AGENT]",
    ]
