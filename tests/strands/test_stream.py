"""`Agent.stream_async`: read whole, the same tree as a call; closed half-way, every span ends
and the caller's span is current again."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncGenerator
from typing import Any, cast

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.tracing.context import CURRENT_SPAN
from tests.outline import tree
from tests.strands.helpers import (
    ANSWER,
    CHAT_KEYS,
    QUESTION,
    TOOL_ANSWER,
    answer_tree,
    get_weather,
    make_agent,
)


async def test_a_stream_read_whole_is_traced_like_a_call(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    events = [event async for event in make_agent(fake_llm).stream_async(QUESTION)]

    assert "".join(e["data"] for e in events if "data" in e) == ANSWER
    assert str(events[-1]["result"]).strip() == ANSWER
    assert tree(spanscope_traces.single(), CHAT_KEYS) == [answer_tree()]
    assert CURRENT_SPAN.get() is None


async def test_a_stream_with_a_tool_call(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    stream = make_agent(fake_llm, [get_weather]).stream_async(QUESTION)
    events = [event async for event in stream]

    assert "".join(e["data"] for e in events if "data" in e) == TOOL_ANSWER
    (root,) = tree(spanscope_traces.single())
    assert [(c["name"], c["span_type"]) for c in root["children"]] == [
        ("OpenAIModel", "CHAT_MODEL"),
        ("get_weather", "TOOL"),
        ("OpenAIModel", "CHAT_MODEL"),
    ]


def _dropped_tree(root: dict[str, Any]) -> None:
    """The agent and its model call both ended, without an error and without output."""
    assert (root["span_type"], root["status"], root["outputs"]) == ("AGENT", "OK", None)
    (model,) = root["children"]
    assert (model["span_type"], model["status"], model["outputs"]) == ("CHAT_MODEL", "OK", None)
    assert model["inputs"] == answer_tree()["children"][0]["inputs"]


async def test_a_stream_closed_half_way_ends_its_spans(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    stream = cast(AsyncGenerator[Any, None], make_agent(fake_llm).stream_async(QUESTION))
    async for event in stream:
        if "data" in event:
            break
    await stream.aclose()

    (root,) = tree(spanscope_traces.single())
    _dropped_tree(root)
    assert CURRENT_SPAN.get() is None


async def test_a_stream_abandoned_half_way_ends_its_spans_when_collected(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    async def read_one() -> None:
        stream = make_agent(fake_llm).stream_async(QUESTION)
        async for event in stream:
            if "data" in event:
                break

    # In a task of its own: the stream's spans were current in the task that read it.
    await asyncio.create_task(read_one())
    gc.collect()  # asyncio's finalizer closes the generator in a task of its own
    for _ in range(10):
        await asyncio.sleep(0)

    (root,) = tree(spanscope_traces.single())
    _dropped_tree(root)
