"""Pydantic AI instrumented by Logfire (apps/pydantic_ai_app.py), exporting to a spanscope
server through the standard OTLP variables, with Logfire's own cloud switched off."""

from __future__ import annotations

from pathlib import Path

import pytest

from spanscope.constants import ExperimentHeader
from spanscope.testing.fake_llm import FakeLLMServer
from tests.otel.instrumentations.conftest import Spanscope, by_name, children, run_app, text

pytestmark = [pytest.mark.instrumentation, pytest.mark.timeout(120)]

CALL = {
    "type": "tool_call",
    "id": "call_fake_0",
    "name": "weather",
    "arguments": {"city": "example"},  # Pydantic AI sends JSON text: stored as an object
}
# Pydantic AI's part says `result`; spanscope's dialect says `response`.
RESULT = {
    "role": "tool",
    "parts": [
        {
            "type": "tool_call_response",
            "id": "call_fake_0",
            "name": "weather",
            "response": "rain in example",
        }
    ],
}
FINAL = {**text("assistant", "The tool returned: rain in example"), "finish_reason": "stop"}


def test_agent_run_with_a_tool_and_a_failing_model(
    spanscope_server: Spanscope, fake_llm: FakeLLMServer, tmp_path: Path
) -> None:
    env = {
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": spanscope_server.traces_endpoint,
        "OTEL_EXPORTER_OTLP_HEADERS": f"{ExperimentHeader.NAME}=pydantic-ai",
    }
    out = run_app("pydantic_ai_app", spanscope_server, "pydantic-ai", fake_llm, tmp_path, env)
    assert out == ["The tool returned: rain in example", "failed: ModelHTTPError"]

    ok, failed = spanscope_server.traces("pydantic-ai")
    root = ok.data.root
    assert root is not None
    # Logfire names a span by its template; it is shown under the formatted message.
    assert root.name == "app run alice"
    assert root.attributes["logfire.msg_template"] == "app run {who}"
    assert root.attributes["who"] == "alice"
    [run] = children(ok, root)
    assert (run.name, run.span_type) == ("invoke_agent forecaster", "AGENT")
    assert [(s.name, s.span_type) for s in children(ok, run)] == [
        ("chat gpt-4o-mini", "CHAT_MODEL"),
        ("execute_tool weather", "TOOL"),
        ("chat gpt-4o-mini", "CHAT_MODEL"),
    ]

    # The agent: the prompt (with its instructions) as inputs, the final result as outputs,
    # and the whole run as its chat.
    prompt = text("user", "What is the weather in Paris?")
    assert run.inputs == {"messages": [text("system", "Be brief."), prompt]}
    assert run.outputs == "The tool returned: rain in example"
    assert run.attributes["gen_ai.input.messages"] == [
        prompt,
        {"role": "assistant", "parts": [CALL], "finish_reason": "tool_call"},
        RESULT,
    ]
    assert run.attributes["gen_ai.output.messages"] == [FINAL]
    assert run.attributes["gen_ai.request.model"] == "gpt-4o-mini"
    for consumed in ("pydantic_ai.all_messages", "final_result", "model_name"):
        assert consumed not in run.attributes

    spans = by_name(ok)
    first, second = spans["chat gpt-4o-mini"]
    for chat in (first, second):
        assert chat.attributes["gen_ai.request.model"] == "gpt-4o-mini"
        assert chat.attributes["gen_ai.response.model"] == "gpt-4o-mini"
        assert chat.attributes["gen_ai.provider.name"] == "openai"
        assert chat.attributes["gen_ai.tool.definitions"][0]["name"] == "weather"
        # Logfire's JSON-text attributes arrive decoded.
        assert isinstance(chat.attributes["model_request_parameters"], dict)
    assert first.inputs == {"messages": [text("system", "Be brief."), prompt]}
    assert first.outputs == [{"role": "assistant", "parts": [CALL], "finish_reason": "tool_call"}]
    assert second.attributes["gen_ai.input.messages"][-1] == RESULT
    assert second.outputs == [FINAL]

    [tool] = spans["execute_tool weather"]
    assert (tool.inputs, tool.outputs) == ({"city": "example"}, "rain in example")
    assert tool.attributes["gen_ai.tool.name"] == "weather"
    assert tool.attributes["gen_ai.tool.call.id"] == "call_fake_0"

    # Usage: each chat's own, and the agent's sum over them, counted once for the trace.
    usage = [
        (c.attributes["gen_ai.usage.input_tokens"], c.attributes["gen_ai.usage.output_tokens"])
        for c in (first, second)
    ]
    totals = (sum(i for i, _ in usage), sum(o for _, o in usage))
    assert all(i > 0 and o > 0 for i, o in usage)
    assert (
        run.attributes["gen_ai.usage.input_tokens"],
        run.attributes["gen_ai.usage.output_tokens"],
    ) == totals
    assert ok.info.token_usage is not None
    assert (ok.info.token_usage["input_tokens"], ok.info.token_usage["output_tokens"]) == totals

    # The failed run: the model call and every span around it are errors.
    assert failed.info.state == "ERROR"
    assert failed.data.root is not None and failed.data.root.name == "app run bob"
    failing = by_name(failed)
    [chat] = failing["chat error-500"]
    [agent_run] = failing["invoke_agent forecaster"]
    for span in (chat, agent_run, failed.data.root):
        assert span.status.status_code == "ERROR", span.name
        assert "status_code: 500" in span.status.description
    assert agent_run.span_type == "AGENT"
    assert agent_run.outputs is None
    assert agent_run.attributes["gen_ai.input.messages"] == [text("user", "And tomorrow?")]
