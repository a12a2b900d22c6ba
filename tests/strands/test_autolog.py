"""Turning autolog on and off, twice, beside openai autolog, and with faults of spanscope's own
injected: the agent's calls are never changed, and traced exactly once while on."""

from __future__ import annotations

from typing import Any

import pytest
from strands import Agent

import spanscope
import spanscope.openai
import spanscope.strands
from spanscope.constants import SpanAttributeKey as K
from spanscope.strands import _hooks, _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.tracing.context import CURRENT_SPAN
from tests.outline import tree
from tests.strands.helpers import ANSWER, QUESTION, TOOL_ANSWER, get_weather, make_agent

ORIGINAL_INIT = Agent.__dict__["__init__"]


def outline(trace: Any) -> list[tuple[int, str, str, str]]:
    rows: list[tuple[int, str, str, str]] = []

    def walk(node: dict[str, Any], depth: int) -> None:
        rows.append((depth, node["name"], node["span_type"], node["status"]))
        for child in node["children"]:
            walk(child, depth + 1)

    for root in tree(trace):
        walk(root, 0)
    return rows


ANSWER_OUTLINE = [
    (0, "Strands Agents", "AGENT", "OK"),
    (1, "OpenAIModel", "CHAT_MODEL", "OK"),
]


def _ours(agent: Agent) -> int:
    callbacks = agent.hooks._registered_callbacks.values()
    return sum(
        getattr(e.callback, "__self__", None) is _hooks.PROVIDER for c in callbacks for e in c
    )


def test_disable_restores_the_agent_and_traces_nothing(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    assert Agent.__dict__["__init__"] is not ORIGINAL_INIT
    made_while_on = make_agent(fake_llm)
    spanscope.strands.autolog(disable=True)

    assert Agent.__dict__["__init__"] is ORIGINAL_INIT
    assert str(make_agent(fake_llm)(QUESTION)).strip() == ANSWER
    assert str(made_while_on(QUESTION)).strip() == ANSWER  # its provider is idle now
    assert spanscope_traces.traces == []


def test_autolog_twice_traces_once(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    spanscope.strands.autolog()
    agent = make_agent(fake_llm)
    agent(QUESTION)

    assert _ours(agent) == 6  # six events, one provider
    assert outline(spanscope_traces.single()) == ANSWER_OUTLINE


def test_an_agent_kept_across_disable_and_enable_is_traced_once(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = make_agent(fake_llm)
    spanscope.strands.autolog(disable=True)
    spanscope.strands.autolog()
    agent(QUESTION)

    assert outline(spanscope_traces.single()) == ANSWER_OUTLINE


def test_an_agent_made_before_autolog_is_not_traced(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.strands.autolog(disable=True)
    agent = make_agent(fake_llm)
    spanscope.strands.autolog()
    agent(QUESTION)

    assert spanscope_traces.traces == []


def test_the_applications_own_hooks_run_inside_the_spans(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    from strands.hooks import BeforeModelCallEvent, BeforeToolCallEvent

    seen: list[str | None] = []

    def note(event: Any) -> None:
        current = CURRENT_SPAN.get()
        seen.append(getattr(current, "name", None))

    agent = make_agent(fake_llm, [get_weather], hooks=[])
    agent.add_hook(note, [BeforeModelCallEvent, BeforeToolCallEvent])
    agent(QUESTION)

    assert seen == ["OpenAIModel", "get_weather", "OpenAIModel"]


@pytest.mark.internal_errors
def test_a_fault_recording_the_reply_leaves_the_call_and_ends_the_spans(
    monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(_messages, "usage", boom)
    with strict_mode(False):
        result = make_agent(fake_llm, [get_weather])(QUESTION)

    assert str(result).strip() == TOOL_ANSWER
    assert spanscope.tracing.stats().internal_errors == 2  # one per model call
    assert [row[:3] for row in outline(spanscope_traces.single())] == [
        (0, "Strands Agents", "AGENT"),
        (1, "OpenAIModel", "CHAT_MODEL"),
        (1, "get_weather", "TOOL"),
        (2, "lookup", "UNKNOWN"),
        (1, "OpenAIModel", "CHAT_MODEL"),
    ]


@pytest.mark.internal_errors
def test_a_fault_converting_messages_leaves_the_call_alone(
    monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(_messages, "messages", boom)
    with strict_mode(False):
        result = make_agent(fake_llm)(QUESTION)

    assert str(result).strip() == ANSWER
    assert spanscope.tracing.stats().internal_errors == 2  # the input and the reply
    assert outline(spanscope_traces.single()) == ANSWER_OUTLINE  # every span still ended


def test_beside_openai_autolog_the_request_nests_and_usage_counts_once(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.openai.autolog()
    make_agent(fake_llm)(QUESTION)

    trace = spanscope_traces.single()
    (root,) = tree(trace)
    (model,) = root["children"]
    (request,) = model["children"]
    assert request["span_type"] == "CHAT_MODEL" and request["name"].startswith("openai.")
    (ours,) = trace.search_spans(name="OpenAIModel")
    assert ours.get_attribute(K.GEN_AI_INPUT_TOKENS) == 6
    assert trace.info.token_usage == {"input_tokens": 6, "output_tokens": 8, "total_tokens": 14}
