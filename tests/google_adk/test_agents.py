"""Agent hierarchies: workflow agents' sub-agents, a transfer and an agent used as a tool each
nest where ADK runs them."""

from __future__ import annotations

import pytest
from google.adk.agents import LoopAgent, ParallelAgent, SequentialAgent
from google.adk.tools.agent_tool import AgentTool

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.google_adk.helpers import ANSWER, QUESTION, Setup, run, run_async
from tests.outline import outline

# ADK deprecates its workflow agents in favour of workflows (which cannot yet be an LlmAgent's
# sub-agents), and `Runner(plugins=...)`, which its own AgentTool still passes.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*is deprecated in favor of Workflow:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The `plugins` argument is deprecated:DeprecationWarning"),
]


def test_a_sequential_agents_sub_agents_run_one_after_the_other_under_it(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    setup = Setup(fake_llm)
    pipeline = SequentialAgent(
        name="pipeline", sub_agents=[setup.agent("first"), setup.agent("second")]
    )
    list(run(setup.runner(pipeline)))

    trace = spanscope_traces.single()
    assert outline(trace) == [
        "weather_app [AGENT]",
        "  pipeline [AGENT]",
        "    first [AGENT]",
        "      Gemini [CHAT_MODEL]",
        "    second [AGENT]",
        "      Gemini [CHAT_MODEL]",
    ]
    first, second = trace.search_spans(name="first")[0], trace.search_spans(name="second")[0]
    assert first.outputs == ANSWER
    assert first.end_time_ns <= second.start_time_ns  # type: ignore[operator]
    (pipeline_span,) = trace.search_spans(name="pipeline")
    assert pipeline_span.outputs == second.outputs  # the last sub-agent's answer is its own
    assert pipeline_span.get_attribute("adk.agent.type") == "SequentialAgent"


async def test_a_parallel_agents_sub_agents_each_get_a_span_under_it(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    setup = Setup(fake_llm)
    fanout = ParallelAgent(name="fanout", sub_agents=[setup.agent("first"), setup.agent("second")])
    [event async for event in run_async(setup.runner(fanout))]

    trace = spanscope_traces.single()
    rows = outline(trace)
    assert rows[:2] == ["weather_app [AGENT]", "  fanout [AGENT]"]
    assert sorted(rows[2:]) == sorted(
        [
            "    first [AGENT]",
            "      Gemini [CHAT_MODEL]",
            "    second [AGENT]",
            "      Gemini [CHAT_MODEL]",
        ]
    )
    for name in ("first", "second"):
        (agent,) = trace.search_spans(name=name)
        (model,) = [s for s in trace.data.spans if s.parent_id == agent.span_id]
        assert model.span_type == "CHAT_MODEL"


def test_a_loop_agent_gives_each_iteration_its_sub_agents_spans(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    setup = Setup(fake_llm)
    loop = LoopAgent(name="loop", max_iterations=2, sub_agents=[setup.agent("first")])
    list(run(setup.runner(loop)))

    assert outline(spanscope_traces.single()) == [
        "weather_app [AGENT]",
        "  loop [AGENT]",
        "    first [AGENT]",
        "      Gemini [CHAT_MODEL]",
        "    first [AGENT]",
        "      Gemini [CHAT_MODEL]",
    ]


def test_an_agent_transferred_to_nests_under_the_agent_that_transferred(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    setup = Setup(fake_llm)
    # The fake model calls the first tool it is offered: the helper is offered none.
    helper = setup.agent(
        "helper",
        description="Helps.",
        disallow_transfer_to_parent=True,
        disallow_transfer_to_peers=True,
    )
    events = list(run(setup.runner(setup.agent("boss", sub_agents=[helper]))))

    assert events[-1].author == "helper"
    trace = spanscope_traces.single()
    assert outline(trace) == [
        "weather_app [AGENT]",
        "  boss [AGENT]",
        "    Gemini [CHAT_MODEL]",
        "    transfer_to_agent [TOOL]",
        "    helper [AGENT]",
        "      Gemini [CHAT_MODEL]",
    ]
    (tool,) = trace.search_spans(span_type="TOOL")
    assert tool.inputs == {"agent_name": "helper"}
    (boss,) = trace.search_spans(name="boss")
    (helper_span,) = trace.search_spans(name="helper")
    assert boss.outputs == helper_span.outputs  # ADK ends the boss's turn with the transfer


async def test_an_agent_used_as_a_tool_runs_its_own_run_under_the_tool_span(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    setup = Setup(fake_llm)
    inner = setup.agent("inner", description="Answers.")
    outer = setup.agent("outer", tools=[AgentTool(agent=inner)])
    [event async for event in run_async(setup.runner(outer))]

    trace = spanscope_traces.single()
    assert outline(trace) == [
        "weather_app [AGENT]",
        "  outer [AGENT]",
        "    Gemini [CHAT_MODEL]",
        "    inner [TOOL]",
        "      weather_app [AGENT]",
        "        inner [AGENT]",
        "          Gemini [CHAT_MODEL]",
        "    Gemini [CHAT_MODEL]",
    ]
    (tool,) = trace.search_spans(span_type="TOOL")
    assert (tool.inputs, tool.outputs) == ({"request": "example"}, "You said: example")
    assert trace.data.spans[0].inputs["message"] == QUESTION
