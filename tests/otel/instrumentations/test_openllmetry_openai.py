"""OpenLLMetry: traceloop-sdk's decorators around its OpenAI instrumentation (apps/
traceloop_app.py), exported to a spanscope server."""

from __future__ import annotations

from pathlib import Path

import pytest

from spanscope.testing.fake_llm import FakeLLMServer
from tests.otel.instrumentations.conftest import Spanscope, by_name, children, run_app, text

pytestmark = [pytest.mark.instrumentation, pytest.mark.timeout(120)]

CALL = {
    "type": "tool_call",
    "id": "call_fake_0",
    "name": "weather",
    "arguments": {"city": "example"},  # an object, not JSON text
}


def test_workflow_agent_task_tool_and_chat_spans(
    spanscope_server: Spanscope, fake_llm: FakeLLMServer, tmp_path: Path
) -> None:
    out = run_app("traceloop_app", spanscope_server, "openllmetry", fake_llm, tmp_path)
    assert out[-2:] == ["The tool returned: rain in Paris", "failed: 500"]

    ok, failed = spanscope_server.traces("openllmetry")
    spans = by_name(ok)
    [workflow] = spans["daily_report.workflow"]
    assert ok.data.root is not None and ok.data.root.span_id == workflow.span_id
    assert workflow.span_type == "WORKFLOW"
    assert workflow.inputs == {"args": ["What is the weather in Paris?"], "kwargs": {}}
    assert workflow.outputs == "The tool returned: rain in Paris"
    assert "traceloop.entity.input" not in workflow.attributes
    assert "traceloop.span.kind" not in workflow.attributes
    # Association properties name the trace's session and user.
    assert (ok.info.session_id, ok.info.user_id) == ("session-1", "user-1")

    [agent] = children(ok, workflow)
    assert (agent.name, agent.span_type) == ("forecaster.agent", "AGENT")
    steps = children(ok, agent)
    assert [(s.name, s.span_type) for s in steps] == [
        ("ask.task", "TASK"),
        ("weather.tool", "TOOL"),
        ("ask.task", "TASK"),
    ]
    first_task, tool, second_task = steps
    assert (tool.inputs, tool.outputs) == ({"args": ["Paris"], "kwargs": {}}, "rain in Paris")
    assert second_task.outputs == {
        "content": "The tool returned: rain in Paris",
        "role": "assistant",
        "annotations": [],
    }

    [first] = children(ok, first_task)
    [second] = children(ok, second_task)
    assert spans["openai.chat"] == [first, second]
    for chat in (first, second):
        assert chat.span_type == "CHAT_MODEL"
        assert chat.attributes["gen_ai.request.model"] == "gpt-4o-mini"
        assert chat.attributes["gen_ai.response.model"] == "gpt-4o-mini"
        assert chat.attributes["gen_ai.provider.name"] == "openai"
        assert chat.attributes["traceloop.workflow.name"] == "daily_report"
        assert chat.attributes["gen_ai.tool.definitions"][0]["name"] == "weather"
    prompt = [text("system", "Be brief."), text("user", "What is the weather in Paris?")]
    assert first.inputs == {"messages": prompt}
    assert first.outputs == [{"role": "assistant", "parts": [CALL], "finish_reason": "tool_call"}]
    result = {"type": "tool_call_response", "id": "call_fake_0", "response": "rain in Paris"}
    assert second.attributes["gen_ai.input.messages"] == [
        *prompt,
        {"role": "assistant", "parts": [CALL]},
        {"role": "tool", "parts": [result]},
    ]
    assert second.outputs == [
        {**text("assistant", "The tool returned: rain in Paris"), "finish_reason": "stop"}
    ]

    usage = [
        (c.attributes["gen_ai.usage.input_tokens"], c.attributes["gen_ai.usage.output_tokens"])
        for c in (first, second)
    ]
    assert all(i > 0 and o > 0 for i, o in usage)
    assert ok.info.token_usage is not None
    assert ok.info.token_usage["input_tokens"] == sum(i for i, _ in usage)
    assert ok.info.token_usage["output_tokens"] == sum(o for _, o in usage)

    # The failed call: its chat span and every decorator span around it are errors.
    assert failed.info.state == "ERROR"
    failing = by_name(failed)
    [chat] = failing["openai.chat"]
    assert chat.status.status_code == "ERROR"
    assert "500" in chat.status.description
    assert chat.attributes["error.type"] == "InternalServerError"
    assert chat.attributes["gen_ai.request.model"] == "error-500"
    assert chat.outputs is None
    for name in ("daily_report.workflow", "forecaster.agent", "ask.task"):
        [span] = failing[name]
        assert span.status.status_code == "ERROR", name
        assert span.outputs is None
    assert len(failed.data.spans) == 4  # no tool ran
