"""autolog on / off / twice, `spanscope.autolog()`, and spanscope's own errors."""

from __future__ import annotations

from typing import Any

import pytest

import spanscope
import spanscope.autogen
from spanscope.autogen import _messages
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from tests.autogen.conftest import make_client
from tests.autogen.expect import CREATE, QUESTION, tree
from tests.autolog_checks import check_patches_are_reverted, imported_by

agents = pytest.importorskip("autogen_agentchat.agents")

ANSWER = f"You said: {QUESTION}"


def patch_points() -> list[tuple[Any, str]]:
    from autogen_agentchat.teams import BaseGroupChat
    from autogen_core.tools import BaseTool
    from autogen_ext.models.openai import BaseOpenAIChatCompletionClient

    return [
        (agents.BaseChatAgent, "run"),
        (agents.BaseChatAgent, "run_stream"),
        (agents.AssistantAgent, "on_messages"),
        (agents.AssistantAgent, "on_messages_stream"),
        (BaseGroupChat, "run"),
        (BaseGroupChat, "run_stream"),
        (BaseTool, "run_json"),
        (BaseOpenAIChatCompletionClient, "create"),
        (BaseOpenAIChatCompletionClient, "create_stream"),
    ]


def _names(capture: TraceCapture) -> list[Any]:
    return [
        (node["name"], [child["name"] for child in node["children"]])
        for trace in capture.traces
        for node in tree(trace)
    ]


def test_importing_the_integration_does_not_import_autogen() -> None:
    assert imported_by("spanscope.autogen", "autogen_agentchat") == [False]


def test_disable_restores_the_original_objects() -> None:
    check_patches_are_reverted(spanscope.autogen.autolog, patch_points())


async def test_disabled_it_traces_nothing(client: Any, spanscope_traces: TraceCapture) -> None:
    spanscope.autogen.autolog(disable=True)
    result = await agents.AssistantAgent("bot", model_client=client).run(task=QUESTION)
    assert result.messages[-1].content == ANSWER
    assert spanscope_traces.traces == []


async def test_log_traces_false_records_nothing(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    spanscope.autogen.autolog(log_traces=False)
    await agents.AssistantAgent("bot", model_client=client).run(task=QUESTION)
    assert spanscope_traces.traces == []


async def test_autolog_twice_gives_one_span_each(
    client: Any, spanscope_traces: TraceCapture
) -> None:
    spanscope.autogen.autolog()
    await agents.AssistantAgent("bot", model_client=client).run(task=QUESTION)
    assert _names(spanscope_traces) == [("bot", [CREATE])]


async def test_spanscope_autolog_turns_it_on(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.autolog()
    plain = make_client(fake_llm)
    try:
        await agents.AssistantAgent("bot", model_client=plain).run(task=QUESTION)
    finally:
        await plain.close()
    (trace,) = spanscope_traces.traces
    # The openai integration is on too: the SDK's own span nests under the model client's.
    (root,) = tree(trace)
    ((model,),) = [root["children"]]
    assert (root["name"], model["name"]) == ("bot", CREATE)
    assert [child["name"] for child in model["children"]] == ["openai.chat.completions.create"]


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("bug in spanscope")


@pytest.mark.internal_errors
async def test_an_error_of_its_own_before_the_call_leaves_the_call_untraced(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "request_messages", _boom)
    with strict_mode(False):
        result = await agents.AssistantAgent("bot", model_client=client).run(task=QUESTION)
    assert result.messages[-1].content == ANSWER
    assert _names(spanscope_traces) == [("bot", [])]  # the agent still traced, no half span
    assert spanscope.tracing.stats().internal_errors == 1


@pytest.mark.internal_errors
async def test_an_error_of_its_own_after_the_call_keeps_its_result(
    client: Any, spanscope_traces: TraceCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_messages, "output_message", _boom)
    with strict_mode(False):
        result = await agents.AssistantAgent("bot", model_client=client).run(task=QUESTION)
    assert result.messages[-1].content == ANSWER
    (root,) = tree(spanscope_traces.single(), values=True)
    (model,) = root["children"]
    # Ended, with the result it was given but not the reply it could not read.
    assert (model["name"], model["status"]) == (CREATE, "OK")
    assert model["outputs"]["content"] == ANSWER
    assert "gen_ai.output.messages" not in model["attributes"]
    assert spanscope.tracing.stats().internal_errors == 1
