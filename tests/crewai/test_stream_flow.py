"""A streamed crew run, a standalone agent and a flow."""

from __future__ import annotations

from typing import Any

from crewai.flow.flow import Flow, listen, start

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.crewai.helpers import (
    QUESTION,
    ROLE,
    TOOL_ANSWER,
    TOOL_RUN,
    get_weather,
    make_agent,
    make_crew,
    make_llm,
)
from tests.outline import outline


def test_a_streamed_crew_run_is_traced_once_under_the_caller(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    streaming: Any = make_crew(fake_llm, [get_weather], stream=True).kickoff()
    chunks = [chunk.content for chunk in streaming]

    assert "".join(chunks).strip().endswith(TOOL_ANSWER)
    assert streaming.result.raw == TOOL_ANSWER
    assert outline(spanscope_traces.single()) == TOOL_RUN


def test_a_standalone_agent_kickoff_is_an_agent_span(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result: Any = make_agent(fake_llm, [get_weather]).kickoff(QUESTION)

    assert result.raw == TOOL_ANSWER
    assert outline(spanscope_traces.single()) == [
        f"{ROLE} [AGENT]",
        "  OpenAICompletion.call [CHAT_MODEL]",
        "  get_weather [TOOL]",
        "    lookup [UNKNOWN]",
        "  OpenAICompletion.call [CHAT_MODEL]",
    ]


async def test_a_standalone_agent_kickoff_async_is_an_agent_span(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result: Any = await make_agent(fake_llm).kickoff_async(QUESTION)

    assert result.raw.startswith("You said:")
    assert outline(spanscope_traces.single()) == [
        f"{ROLE} [AGENT]",
        "  OpenAICompletion.call [CHAT_MODEL]",
    ]


def _flow(server: FakeLLMServer) -> Flow[Any]:
    llm = make_llm(server)

    class WeatherFlow(Flow[dict[str, Any]]):
        # No memory of its own: CrewAI would make one (a LanceDB store, slow to import).
        _skip_auto_memory = True

        @start()
        def question(self) -> str:
            return QUESTION

        @listen(question)
        def answer(self, question: str) -> str:
            return str(llm.call(question))

    return WeatherFlow(suppress_flow_events=True)  # no console panels


def test_a_flow_is_a_workflow_span_with_a_span_per_method(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result: Any = _flow(fake_llm).kickoff()

    assert result == f"You said: {QUESTION}"
    assert outline(spanscope_traces.single()) == [
        "WeatherFlow [WORKFLOW]",
        "  question [CHAIN]",
        "  answer [CHAIN]",
        "    OpenAICompletion.call [CHAT_MODEL]",
    ]


async def test_a_flow_run_async_is_traced_the_same(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    result: Any = await _flow(fake_llm).kickoff_async()

    assert result == f"You said: {QUESTION}"
    assert outline(spanscope_traces.single())[0] == "WeatherFlow [WORKFLOW]"
    assert len(outline(spanscope_traces.single())) == 4
