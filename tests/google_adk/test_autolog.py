"""Turning autolog on and off, twice, beside google-genai autolog, with the application's own
plugins, and with faults of spanscope's own injected: the runs are never changed, and traced
exactly once while on."""

from __future__ import annotations

from typing import Any

import pytest
from google.adk.models.llm_response import LlmResponse
from google.adk.plugins import BasePlugin
from google.adk.runners import Runner
from google.genai import types

import spanscope
import spanscope.google_adk
import spanscope.google_genai
from spanscope.constants import SpanAttributeKey as K
from spanscope.google_adk import _messages, _plugin
from spanscope.testing import TraceCapture, strict_mode
from spanscope.testing.fake_llm import FakeLLMServer
from spanscope.tracing.context import CURRENT_SPAN
from tests.google_adk.helpers import (
    ANSWER,
    TOOL_ANSWER,
    Setup,
    collect,
    final_text,
    get_weather,
    run,
    run_async,
)
from tests.outline import outline, tree

ORIGINAL_RUN_ASYNC = Runner.__dict__["run_async"]
ANSWER_OUTLINE = [
    "weather_app [AGENT]",
    "  weather_agent [AGENT]",
    "    Gemini [CHAT_MODEL]",
]


def _ours(runner: Runner) -> int:
    return sum(plugin is _plugin.PLUGIN for plugin in runner.plugin_manager.plugins)


def test_disable_restores_the_runner_and_traces_nothing(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    assert Runner.__dict__["run_async"] is not ORIGINAL_RUN_ASYNC
    setup = Setup(fake_llm)
    ran_while_on = setup.runner()
    list(run(ran_while_on))
    spanscope_traces.clear()
    spanscope.google_adk.autolog(disable=True)

    assert Runner.__dict__["run_async"] is ORIGINAL_RUN_ASYNC
    assert final_text(list(run(setup.runner()))) == ANSWER
    assert final_text(list(run(ran_while_on))) == ANSWER  # its plugin is idle now
    assert spanscope_traces.traces == []


async def test_autolog_twice_traces_once(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.google_adk.autolog()
    runner = Setup(fake_llm).runner()
    [event async for event in run_async(runner)]

    assert _ours(runner) == 1
    assert runner.plugin_manager.plugins[0] is _plugin.PLUGIN  # first, before the app's own
    assert outline(spanscope_traces.single()) == ANSWER_OUTLINE


def test_a_runner_made_before_autolog_or_kept_across_disable_is_traced_once(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.google_adk.autolog(disable=True)
    runner = Setup(fake_llm).runner()
    spanscope.google_adk.autolog()
    list(run(runner))
    spanscope.google_adk.autolog(disable=True)
    spanscope.google_adk.autolog()
    list(run(runner))

    assert _ours(runner) == 1
    assert [outline(trace) for trace in spanscope_traces.traces] == [ANSWER_OUTLINE] * 2


class Watcher(BasePlugin):
    """An application's plugin noting the current spanscope span at each step."""

    def __init__(self) -> None:
        super().__init__(name="watcher")
        self.seen: list[str | None] = []

    def _note(self) -> None:
        self.seen.append(getattr(CURRENT_SPAN.get(), "name", None))

    async def before_agent_callback(self, **kwargs: Any) -> None:
        self._note()

    async def before_model_callback(self, **kwargs: Any) -> None:
        self._note()

    async def before_tool_callback(self, **kwargs: Any) -> None:
        self._note()


async def test_the_applications_own_plugins_run_inside_the_spans(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    setup = Setup(fake_llm)
    runner = setup.runner(setup.agent(tools=[get_weather]))
    watcher = Watcher()
    runner.plugin_manager.register_plugin(watcher)
    events = [event async for event in run_async(runner)]

    assert final_text(events) == TOOL_ANSWER
    assert watcher.seen == ["weather_agent", "Gemini", "get_weather", "Gemini"]


class Cache(BasePlugin):
    """An application's plugin answering every model call itself."""

    def __init__(self) -> None:
        super().__init__(name="cache")

    async def before_model_callback(self, **kwargs: Any) -> LlmResponse:
        return LlmResponse(content=types.ModelContent(parts=[types.Part(text="cached")]))


def test_a_model_call_a_plugin_answers_itself_is_a_model_span_without_a_reply(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    runner = Setup(fake_llm).runner()
    runner.plugin_manager.register_plugin(Cache())
    sent = len(fake_llm.requests)

    assert final_text(list(run(runner))) == "cached"
    assert len(fake_llm.requests) == sent  # no request made
    trace = spanscope_traces.single()
    assert outline(trace) == ANSWER_OUTLINE
    (model,) = trace.search_spans(span_type="CHAT_MODEL")
    assert model.outputs is None and model.get_attribute(K.GEN_AI_INPUT_TOKENS) is None
    assert trace.data.spans[0].outputs == "cached"


@pytest.mark.internal_errors
async def test_a_fault_recording_the_reply_leaves_the_run_and_ends_the_spans(
    monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(_messages, "assemble", boom)
    setup = Setup(fake_llm)
    with strict_mode(False):
        events = [
            event async for event in run_async(setup.runner(setup.agent(tools=[get_weather])))
        ]

    assert final_text(events) == TOOL_ANSWER
    assert spanscope.tracing.stats().internal_errors == 2  # one per model call
    assert outline(spanscope_traces.single()) == [  # every span still ended
        "weather_app [AGENT]",
        "  weather_agent [AGENT]",
        "    Gemini [CHAT_MODEL]",
        "    get_weather [TOOL]",
        "      lookup [UNKNOWN]",
        "    Gemini [CHAT_MODEL]",
    ]


@pytest.mark.internal_errors
def test_a_fault_recording_the_message_leaves_the_run_alone(
    monkeypatch: pytest.MonkeyPatch, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(_messages, "content_value", boom)
    with strict_mode(False):
        events = list(run(Setup(fake_llm).runner()))

    assert final_text(events) == ANSWER
    # The run's and the agent's inputs, and the run's final answer.
    assert spanscope.tracing.stats().internal_errors == 3
    assert outline(spanscope_traces.single()) == ANSWER_OUTLINE  # every span still ended


@pytest.mark.parametrize("stream", [False, True], ids=["run", "streamed run_async"])
async def test_beside_google_genai_autolog_the_request_nests_and_usage_counts_once(
    stream: bool, fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.google_genai.autolog()
    await collect(Setup(fake_llm).runner(), is_async=stream, stream=stream)

    trace = spanscope_traces.single()
    (root,) = tree(trace)
    (model,) = root["children"][0]["children"]
    (request,) = model["children"]
    method = "generate_content_stream" if stream else "generate_content"
    assert (request["name"], request["span_type"]) == (
        f"google.genai.models.{method}",
        "CHAT_MODEL",
    )
    (ours,) = trace.search_spans(name="Gemini")
    assert ours.get_attribute(K.GEN_AI_INPUT_TOKENS) == 17
    assert trace.info.token_usage == {"input_tokens": 17, "output_tokens": 8, "total_tokens": 25}
