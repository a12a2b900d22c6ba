"""Agent runs: the AGENT span with each step (CHAIN), its model call (CHAT_MODEL) and tool calls
(TOOL) inside; tool and model errors; planning; CodeAgent; managed agents; models of one's own."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from smolagents import ChatMessage, Model, OpenAIModel, TokenUsage
from smolagents.models import ChatMessageToolCall, ChatMessageToolCallFunction
from smolagents.utils import AgentGenerationError

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.smolagents.helpers import (
    MODEL,
    QUESTION,
    SYSTEM,
    TASK,
    broken_weather,
    get_weather,
    make_agent,
    make_code_agent,
    make_model,
    outline,
    text,
    tool_call,
    tree,
)

FINAL_ANSWER_DEFINITION = {
    "type": "function",
    "name": "final_answer",
    "description": "Provides a final answer to the given problem.",
    "parameters": {
        "type": "object",
        "properties": {
            "answer": {"type": "string", "description": "The final answer to the problem"}
        },
        "required": ["answer"],
    },
}


def _chat_attributes(**extra: Any) -> dict[str, Any]:
    return {
        K.GEN_AI_PROVIDER: "openai",
        K.GEN_AI_OPERATION: "chat",
        K.GEN_AI_REQUEST_MODEL: MODEL,
        K.GEN_AI_RESPONSE_MODEL: MODEL,
        **extra,
    }


def test_a_run_is_an_agent_span_with_its_step_model_call_and_tool(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    # Offered no tool of its own, the model calls final_answer at once: one step.
    answer = make_agent(fake_llm).run(QUESTION)

    assert answer == "example"
    trace = spanscope_traces.single()
    (root,) = tree(trace, values=True)
    model = root["children"][0]["children"][0]
    assert model["inputs"] == {
        "messages": [
            {"role": "system", "content": [{"type": "text", "text": SYSTEM}]},
            {"role": "user", "content": [{"type": "text", "text": TASK}]},
        ],
        "stop_sequences": ["Observation:", "Calling tools:"],
        "tools": ["final_answer"],
    }
    reply = {
        "id": "call_fake_0",
        "type": "function",
        "function": {"name": "final_answer", "arguments": '{"answer": "example"}'},
    }
    assert root == {
        "name": "ToolCallingAgent",
        "span_type": "AGENT",
        "status": "OK",
        "inputs": {"task": QUESTION},
        "outputs": "example",
        "events": [],
        "attributes": {
            K.GEN_AI_OPERATION: "invoke_agent",
            "gen_ai.agent.name": "ToolCallingAgent",
        },
        "children": [
            {
                "name": "step 1",
                "span_type": "CHAIN",
                "status": "OK",
                "inputs": {"step": 1},
                "outputs": {
                    "tool_calls": [
                        {
                            "id": "call_fake_0",
                            "name": "final_answer",
                            "arguments": {"answer": "example"},
                        }
                    ],
                    "observations": "example",
                    "is_final_answer": True,
                },
                "events": [],
                "attributes": {"smolagents.step.number": 1},
                "children": [
                    {
                        "name": "OpenAIModel.generate",
                        "span_type": "CHAT_MODEL",
                        "status": "OK",
                        "inputs": model["inputs"],
                        "outputs": {"role": "assistant", "content": None, "tool_calls": [reply]},
                        "events": [],
                        "attributes": _chat_attributes(
                            **{
                                K.GEN_AI_SYSTEM_INSTRUCTIONS: [{"type": "text", "content": SYSTEM}],
                                K.GEN_AI_INPUT_MESSAGES: [
                                    text("system", SYSTEM),
                                    text("user", TASK),
                                ],
                                K.GEN_AI_OUTPUT_MESSAGES: [
                                    tool_call("final_answer", {"answer": "example"})
                                ],
                                K.GEN_AI_FINISH_REASONS: ["tool_calls"],
                                K.GEN_AI_TOOL_DEFINITIONS: [FINAL_ANSWER_DEFINITION],
                                K.GEN_AI_INPUT_TOKENS: 14,
                                K.GEN_AI_OUTPUT_TOKENS: 2,
                            }
                        ),
                        "children": [],
                    },
                    {
                        "name": "final_answer",
                        "span_type": "TOOL",
                        "status": "OK",
                        "inputs": {"answer": "example"},
                        "outputs": "example",
                        "events": [],
                        "attributes": {K.GEN_AI_TOOL_NAME: "final_answer"},
                        "children": [],
                    },
                ],
            }
        ],
    }
    assert trace.info.token_usage == {"input_tokens": 14, "output_tokens": 2, "total_tokens": 16}


def test_a_tool_round_trip_and_the_answer_after_the_last_step(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    # The model calls get_weather; with one step allowed, smolagents then asks the model for
    # an answer from its memory, outside any step.
    answer = make_agent(fake_llm, [get_weather], max_steps=1).run(QUESTION)

    trace = spanscope_traces.single()
    assert outline(trace) == [
        (0, "ToolCallingAgent", "AGENT", "OK"),
        (1, "step 1", "CHAIN", "OK"),
        (2, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
        (2, "get_weather", "TOOL", "OK"),
        (3, "lookup", "UNKNOWN", "OK"),
        (1, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
    ]
    (root,) = tree(trace, values=True)
    step, last = root["children"]
    assert root["outputs"] == answer
    weather = step["children"][1]
    assert (weather["inputs"], weather["outputs"]) == ({"city": "example"}, "Sunny in example")
    assert step["outputs"] == {
        "tool_calls": [
            {"id": "call_fake_0", "name": "get_weather", "arguments": {"city": "example"}}
        ],
        "observations": "Sunny in example",
    }
    # smolagents writes the tool call and its observation into the conversation as text.
    calling = "Calling tools:\n[{'id': 'call_fake_0', 'type': 'function', 'function': {'name': 'get_weather', 'arguments': {'city': 'example'}}}]"  # noqa: E501
    assert last["attributes"][K.GEN_AI_INPUT_MESSAGES] == [
        text("system", "Answer from your memory."),
        text("user", TASK),
        text("assistant", calling),
        text("user", "Observation:\nSunny in example"),
        text("user", f"Answer: {QUESTION}"),
    ]
    assert last["attributes"][K.GEN_AI_OUTPUT_MESSAGES] == [
        text("assistant", answer, finish_reason="stop")
    ]
    assert trace.info.token_usage == {"input_tokens": 49, "output_tokens": 15, "total_tokens": 64}


def test_a_failing_tool_marks_its_span_and_its_step_and_the_run_goes_on(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    make_agent(fake_llm, [broken_weather], max_steps=1).run(QUESTION)

    trace = spanscope_traces.single()
    assert outline(trace) == [
        (0, "ToolCallingAgent", "AGENT", "OK"),
        (1, "step 1", "CHAIN", "ERROR"),
        (2, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
        (2, "broken_weather", "TOOL", "ERROR"),
        (1, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
    ]
    (root,) = tree(trace)
    step = root["children"][0]
    tool = step["children"][1]
    # The tool's own exception on its span; smolagents' (which it feeds back to the model)
    # on the step's.
    assert tool["error"] == "WeatherServiceDown: no weather for example"
    assert step["error"].startswith(
        "AgentToolExecutionError: Error executing tool 'broken_weather'"
    )
    assert tool["events"] == step["events"] == ["exception"]


def test_a_model_error_is_recorded_and_reraised_unchanged(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(500)
    with pytest.raises(AgentGenerationError) as raised:
        make_agent(fake_llm).run(QUESTION)

    assert isinstance(raised.value.__cause__, openai.InternalServerError)
    trace = spanscope_traces.single()
    assert outline(trace) == [
        (0, "ToolCallingAgent", "AGENT", "ERROR"),
        (1, "step 1", "CHAIN", "ERROR"),
        (2, "OpenAIModel.generate", "CHAT_MODEL", "ERROR"),
    ]
    (root,) = tree(trace)
    model = root["children"][0]["children"][0]
    assert model["error"].startswith("InternalServerError: Error code: 500")
    assert root["error"].startswith("AgentGenerationError: Error while generating output")
    assert K.GEN_AI_OUTPUT_MESSAGES not in model["attributes"]
    assert trace.info.token_usage is None


def test_a_planning_step_is_a_chain_span_before_the_action_step(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    make_agent(fake_llm, planning_interval=1).run(QUESTION)

    trace = spanscope_traces.single()
    assert outline(trace) == [
        (0, "ToolCallingAgent", "AGENT", "OK"),
        (1, "planning", "CHAIN", "OK"),
        (2, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
        (1, "step 1", "CHAIN", "OK"),
        (2, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
        (2, "final_answer", "TOOL", "OK"),
    ]
    (root,) = tree(trace, values=True)
    planning = root["children"][0]
    assert planning["inputs"] == {"step": 1, "is_first_step": True}
    assert planning["outputs"].startswith("Here are the facts I know and the plan")
    assert f"You said: Make a plan for: {QUESTION}" in planning["outputs"]
    assert planning["children"][0]["attributes"][K.GEN_AI_INPUT_MESSAGES] == [
        text("user", f"Make a plan for: {QUESTION}")
    ]


def test_a_code_agent_step_runs_its_code_as_a_python_interpreter_tool(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    # The fake model echoes the task, code included: one step runs it.
    code = "final_answer(get_weather(city='Paris'))"
    answer = make_code_agent(fake_llm, [get_weather]).run(f"Run <code>{code}</code>")

    assert answer == "Sunny in Paris"
    trace = spanscope_traces.single()
    # The code runs in a worker thread of smolagents' executor: its tool calls still nest.
    assert outline(trace) == [
        (0, "CodeAgent", "AGENT", "OK"),
        (1, "step 1", "CHAIN", "OK"),
        (2, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
        (2, "python_interpreter", "TOOL", "OK"),
        (3, "get_weather", "TOOL", "OK"),
        (4, "lookup", "UNKNOWN", "OK"),
        (3, "final_answer", "TOOL", "OK"),
    ]
    (root,) = tree(trace, values=True)
    step = root["children"][0]
    interpreter = step["children"][1]
    assert interpreter["inputs"] == {"code": code}
    assert interpreter["outputs"] == {
        "output": "Sunny in Paris",
        "logs": "",
        "is_final_answer": True,
    }
    assert [c["inputs"] for c in interpreter["children"]] == [
        {"city": "Paris"},
        {"answer": "Sunny in Paris"},  # passed by position: named after the tool's inputs
    ]
    assert step["outputs"]["code_action"] == code
    assert step["outputs"]["is_final_answer"] is True


def test_a_managed_agent_runs_as_an_agent_span_inside_its_managers_step(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    helper = make_agent(fake_llm, name="helper", description="Answers questions.", max_steps=1)
    manager = make_agent(fake_llm, managed_agents=[helper], max_steps=1)
    manager.run("Ask the helper.")

    trace = spanscope_traces.single()
    assert outline(trace) == [
        (0, "ToolCallingAgent", "AGENT", "OK"),
        (1, "step 1", "CHAIN", "OK"),
        (2, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
        (2, "helper", "AGENT", "OK"),
        (3, "step 1", "CHAIN", "OK"),
        (4, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
        (4, "final_answer", "TOOL", "OK"),
        (1, "OpenAIModel.generate", "CHAT_MODEL", "OK"),
    ]
    (root,) = tree(trace, values=True)
    inner = root["children"][0]["children"][1]
    assert inner["attributes"]["gen_ai.agent.name"] == "helper"
    assert inner["inputs"] == {"task": "helper, please: example"}


def test_a_run_nests_under_the_callers_span_and_a_full_result_is_summed_up(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    agent = make_agent(fake_llm, name="weather_bot", return_full_result=True)

    @spanscope.trace
    def app() -> Any:
        return agent.run(QUESTION, max_steps=1, additional_args={"units": "metric"})

    result = app()
    (root,) = tree(spanscope_traces.single(), values=True)
    assert root["name"] == "app"
    (run,) = root["children"]
    assert (run["name"], run["span_type"]) == ("weather_bot", "AGENT")
    assert run["inputs"] == {
        "task": QUESTION,  # as given (smolagents appends the extra arguments to it)
        "additional_args": {"units": "metric"},
        "max_steps": 1,
    }
    # The result's memory dump of every step stays out: the step spans hold it.
    assert run["outputs"] == {
        "output": result.output,
        "state": "success",
        "token_usage": {"input_tokens": 34, "output_tokens": 2, "total_tokens": 36},
    }


class FixedAnswer(Model):  # type: ignore[misc]  # smolagents ships no type hints
    """A model of the application's own, which smolagents does not know."""

    def generate(
        self,
        messages: list[Any],
        stop_sequences: list[str] | None = None,
        response_format: Any = None,
        tools_to_call_from: list[Any] | None = None,
        **kwargs: Any,
    ) -> ChatMessage:
        function = ChatMessageToolCallFunction(name="final_answer", arguments={"answer": "42"})
        return ChatMessage(
            role="assistant",
            tool_calls=[ChatMessageToolCall(function=function, id="call_1", type="function")],
            token_usage=TokenUsage(input_tokens=3, output_tokens=1),
        )


class Wrapped(OpenAIModel):  # type: ignore[misc]  # smolagents ships no type hints
    def generate(self, *args: Any, **kwargs: Any) -> Any:
        return super().generate(*args, **kwargs)


def test_a_model_class_of_ones_own_is_traced_once_per_call(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    make_agent(fake_llm, model=FixedAnswer(model_id="fixed-1")).run(QUESTION)
    make_agent(fake_llm, model=make_model(fake_llm, Wrapped)).run(QUESTION)

    fixed, chained = spanscope_traces.traces
    (model,) = [s for s in fixed.data.spans if s.span_type == "CHAT_MODEL"]
    assert model.name == "FixedAnswer.generate"
    assert model.get_attribute(K.GEN_AI_PROVIDER) == "smolagents"
    assert model.get_attribute(K.GEN_AI_REQUEST_MODEL) == "fixed-1"
    part = {
        "type": "tool_call",
        "id": "call_1",
        "name": "final_answer",
        "arguments": {"answer": "42"},
    }
    assert model.get_attribute(K.GEN_AI_OUTPUT_MESSAGES) == [{"role": "assistant", "parts": [part]}]
    assert fixed.info.token_usage == {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4}
    # `super().generate` of the same model object is the same call: one span.
    models = [s.name for s in chained.data.spans if s.span_type == "CHAT_MODEL"]
    assert models == ["Wrapped.generate"]
