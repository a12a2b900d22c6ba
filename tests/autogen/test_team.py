"""Teams: a CHAIN span with each agent's turn as an AGENT span inside."""

from __future__ import annotations

from typing import Any

import pytest

from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.autogen.expect import CREATE, QUESTION, tree

agents = pytest.importorskip("autogen_agentchat.agents")
conditions = pytest.importorskip("autogen_agentchat.conditions")
teams = pytest.importorskip("autogen_agentchat.teams")


def _team(client: Any, turns: int = 3) -> Any:
    return teams.RoundRobinGroupChat(
        [
            agents.AssistantAgent("writer", model_client=client, system_message="Write."),
            agents.AssistantAgent("editor", model_client=client, system_message="Edit."),
        ],
        termination_condition=conditions.MaxMessageTermination(turns),
    )


def _shape(node: dict[str, Any]) -> Any:
    return (node["name"], node["span_type"], node["status"], [_shape(c) for c in node["children"]])


async def test_a_two_agent_team(client: Any, spanscope_traces: TraceCapture) -> None:
    result = await _team(client).run(task=QUESTION)

    assert [m.source for m in result.messages] == ["user", "writer", "editor"]
    (root,) = tree(spanscope_traces.single(), values=True)
    assert _shape(root) == (
        "RoundRobinGroupChat",
        "CHAIN",
        "OK",
        [
            ("writer", "AGENT", "OK", [(CREATE, "CHAT_MODEL", "OK", [])]),
            ("editor", "AGENT", "OK", [(CREATE, "CHAT_MODEL", "OK", [])]),
        ],
    )
    assert root["inputs"] == {"task": QUESTION}
    assert [m["source"] for m in root["outputs"]["messages"]] == ["user", "writer", "editor"]
    writer, editor = root["children"]
    # Each turn's model call sees the conversation so far, the other agent's words as a user's.
    assert [m["role"] for m in editor["children"][0]["attributes"]["gen_ai.input.messages"]] == [
        "system",
        "user",
        "user",
    ]
    assert writer["outputs"]["chat_message"]["content"] == f"You said: {QUESTION}"


async def test_a_streamed_team_run(client: Any, spanscope_traces: TraceCapture) -> None:
    items = [item async for item in _team(client, turns=2).run_stream(task=QUESTION)]

    assert type(items[-1]).__name__ == "TaskResult"
    (root,) = tree(spanscope_traces.single())
    assert _shape(root) == (
        "RoundRobinGroupChat",
        "CHAIN",
        "OK",
        [("writer", "AGENT", "OK", [(CREATE, "CHAT_MODEL", "OK", [])])],
    )


async def test_an_agent_error_in_a_team(
    client: Any, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    fake_llm.fail_next(500)
    with pytest.raises(RuntimeError) as caught:
        await _team(client).run(task=QUESTION)

    # AutoGen's runtime catches the agent's error; the team raises its own, naming it.
    assert "InternalServerError" in str(caught.value)
    (root,) = tree(spanscope_traces.single(), events=True)
    assert _shape(root) == (
        "RoundRobinGroupChat",
        "CHAIN",
        "ERROR",
        [("writer", "AGENT", "ERROR", [(CREATE, "CHAT_MODEL", "ERROR", [])])],
    )
    (turn,) = root["children"]
    assert turn["error"].startswith("InternalServerError: ")
    assert root["error"].startswith("RuntimeError: ")
