"""Turning autolog on and off, twice, beside openai autolog, and with faults of spanscope's own
injected: the agent's calls are never changed, and traced exactly once while on."""

from __future__ import annotations

from typing import Any

import pytest
import smolagents.local_python_executor as local_executor
from smolagents import Model, OpenAIModel, Tool
from smolagents.agents import CodeAgent, MultiStepAgent, ToolCallingAgent

import spanscope
import spanscope.openai
import spanscope.smolagents
from spanscope.constants import SpanAttributeKey as K
from spanscope.smolagents import _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.smolagents.helpers import QUESTION, get_weather, make_agent, outline
from tests.smolagents.test_run import FixedAnswer

ORIGINALS = {
    (MultiStepAgent, "run"): MultiStepAgent.__dict__["run"],
    (MultiStepAgent, "_generate_planning_step"): MultiStepAgent.__dict__["_generate_planning_step"],
    (ToolCallingAgent, "_step_stream"): ToolCallingAgent.__dict__["_step_stream"],
    (CodeAgent, "_step_stream"): CodeAgent.__dict__["_step_stream"],
    (OpenAIModel, "generate"): OpenAIModel.__dict__["generate"],
    (OpenAIModel, "generate_stream"): OpenAIModel.__dict__["generate_stream"],
    (Model, "generate"): Model.__dict__["generate"],
    (Tool, "__call__"): Tool.__dict__["__call__"],
    (local_executor.LocalPythonExecutor, "__call__"): local_executor.LocalPythonExecutor.__dict__[
        "__call__"
    ],
    (local_executor, "timeout"): local_executor.__dict__["timeout"],
}


def _current() -> dict[tuple[Any, str], Any]:
    return {(owner, name): vars(owner)[name] for owner, name in ORIGINALS}


def test_disable_restores_smolagents_own_objects_and_traces_nothing(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    own = FixedAnswer.__dict__["generate"]
    make_agent(fake_llm, model=FixedAnswer(model_id="fixed-1")).run(QUESTION)  # patched now
    patched = {**_current(), (FixedAnswer, "generate"): FixedAnswer.__dict__["generate"]}
    untouched = {(Model, "generate")}  # smolagents' abstract one: never called
    for key, original in {**ORIGINALS, (FixedAnswer, "generate"): own}.items():
        assert (patched[key] is original) == (key in untouched), key

    spanscope.smolagents.autolog(disable=True)

    assert _current() == ORIGINALS
    assert FixedAnswer.__dict__["generate"] is own
    spanscope_traces.clear()
    make_agent(fake_llm, planning_interval=1).run(QUESTION)
    list(make_agent(fake_llm, stream_outputs=True).run(QUESTION, stream=True))
    assert spanscope_traces.traces == []


def test_autolog_twice_traces_each_call_once(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.smolagents.autolog()
    spanscope.smolagents.autolog()
    make_agent(fake_llm).run(QUESTION)

    assert [row[1] for row in outline(spanscope_traces.single())] == [
        "ToolCallingAgent",
        "step 1",
        "OpenAIModel.generate",
        "final_answer",
    ]


def test_beside_openai_autolog_the_request_nests_and_usage_counts_once(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.openai.autolog()
    make_agent(fake_llm).run(QUESTION)
    list(make_agent(fake_llm, stream_outputs=True).run(QUESTION, stream=True))

    for trace in spanscope_traces.traces:
        (ours,) = [s for s in trace.data.spans if s.name.startswith("OpenAIModel.")]
        (request,) = [s for s in trace.data.spans if s.parent_id == ours.span_id]
        assert request.span_type == "CHAT_MODEL" and request.name.startswith("openai.")
        assert ours.get_attribute(K.GEN_AI_INPUT_TOKENS) == 14
        assert request.get_attribute(K.GEN_AI_INPUT_TOKENS) == 14
        assert trace.info.token_usage == {
            "input_tokens": 14,
            "output_tokens": 2,
            "total_tokens": 16,
        }


@pytest.mark.internal_errors
def test_a_fault_of_spanscope_never_reaches_the_run(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected")

    for name in ("output_message", "step_outputs", "assemble", "tool_inputs"):
        monkeypatch.setattr(_messages, name, broken)
    with strict_mode(False):  # also while the stream's output is assembled, at export
        answer = make_agent(fake_llm, [get_weather], max_steps=1).run(QUESTION)
        events = list(make_agent(fake_llm, stream_outputs=True).run(QUESTION, stream=True))
        plain, streamed = spanscope_traces.traces

    assert answer.startswith("You said: ") and events[-1].output == "example"
    # Every span ended; what a fault hid is missing (the tool calls went on untraced).
    assert [row[1] for row in outline(plain)] == [
        "ToolCallingAgent",
        "step 1",
        "OpenAIModel.generate",
        "lookup",
        "OpenAIModel.generate",
    ]
    assert [row[1] for row in outline(streamed)] == [
        "ToolCallingAgent",
        "step 1",
        "OpenAIModel.generate_stream",
    ]
    for trace in (plain, streamed):
        assert all(span.end_time_ns is not None for span in trace.data.spans)
