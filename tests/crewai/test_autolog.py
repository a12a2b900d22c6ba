"""Turning autolog on and off, twice, and with faults of spanscope's own injected: the crew's
calls are never changed, and traced exactly once while on."""

from __future__ import annotations

from typing import Any

import pytest
from crewai import Agent, Crew, Task
from crewai.llms.providers.openai.completion import OpenAICompletion
from crewai.tools.base_tool import Tool

import spanscope
import spanscope.crewai
from spanscope.crewai import _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.crewai.helpers import QUESTION, ROLE, TOOL_ANSWER, get_weather, make_crew
from tests.outline import outline

PATCHED = [
    (Crew, "kickoff"),
    (Crew, "akickoff"),
    (Task, "_execute_core"),
    (Agent, "execute_task"),
    (Tool, "run"),
    (OpenAICompletion, "call"),
    (OpenAICompletion, "acall"),
]
ANSWER_OUTLINE = [
    "crew [CHAIN]",
    f"  {QUESTION} [TASK]",
    f"    {ROLE} [AGENT]",
    "      OpenAICompletion.call [CHAT_MODEL]",
]


def _originals() -> list[Any]:
    return [vars(owner)[name] for owner, name in PATCHED]


def test_disable_restores_crewais_methods_and_traces_nothing(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    patched = _originals()
    spanscope.crewai.autolog(disable=True)
    originals = _originals()

    assert all(a is not b for a, b in zip(patched, originals, strict=True))
    result: Any = make_crew(fake_llm, [get_weather]).kickoff()
    assert result.raw == TOOL_ANSWER
    assert [outline(trace) for trace in spanscope_traces.traces] == [["lookup [UNKNOWN]"]]
    spanscope.crewai.autolog()
    assert all(a is not b for a, b in zip(_originals(), originals, strict=True))


def test_autolog_twice_traces_once(fake_llm: FakeLLMServer, spanscope_traces: TraceCapture) -> None:
    spanscope.crewai.autolog()
    spanscope.crewai.autolog()
    make_crew(fake_llm).kickoff()

    assert outline(spanscope_traces.single()) == ANSWER_OUTLINE


@pytest.mark.internal_errors
def test_a_fault_recording_the_reply_leaves_the_call_and_ends_the_spans(
    monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(_messages, "output_message", boom)
    with strict_mode(False):
        result: Any = make_crew(fake_llm, [get_weather]).kickoff()

    assert result.raw == TOOL_ANSWER
    assert spanscope.tracing.stats().internal_errors == 2  # one per model call
    assert outline(spanscope_traces.single())[3:] == [
        "      OpenAICompletion.call [CHAT_MODEL]",
        "      get_weather [TOOL]",
        "        lookup [UNKNOWN]",
        "      OpenAICompletion.call [CHAT_MODEL]",
    ]


@pytest.mark.internal_errors
def test_a_fault_converting_the_request_leaves_the_call_alone(
    monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(_messages, "request_messages", boom)
    with strict_mode(False):
        result: Any = make_crew(fake_llm).kickoff()

    assert result.raw.startswith("You said:")
    assert spanscope.tracing.stats().internal_errors == 1
    assert outline(spanscope_traces.single()) == ANSWER_OUTLINE[:3]
