"""ADK's LiteLlm model (through litellm, on the fake OpenAI server): its model calls are
traced as Gemini's are, and beside litellm autolog the request nests with usage counted once."""

from __future__ import annotations

import os

import pytest
from google.adk.agents import LlmAgent

import spanscope.litellm
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing import TraceCapture
from spanscope.testing.fake_llm import FakeLLMServer
from tests.google_adk.helpers import Setup, final_text, get_weather
from tests.google_adk.helpers import run_async as run_events
from tests.outline import outline

# Without this, importing litellm fetches its price list from the internet.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
pytest.importorskip("litellm")
lite_llm = pytest.importorskip("google.adk.models.lite_llm")


async def test_a_lite_llm_agent_beside_litellm_autolog(
    fake_llm: FakeLLMServer, spanscope_traces: TraceCapture
) -> None:
    spanscope.litellm.autolog()
    model = lite_llm.LiteLlm(
        model="openai/gpt-4o-mini", api_base=fake_llm.openai_base_url, api_key="fake"
    )
    agent = LlmAgent(name="weather_agent", model=model, tools=[get_weather])
    events = [event async for event in run_events(Setup(fake_llm).runner(agent))]

    # LiteLlm sends the function's response as JSON text.
    assert final_text(events) == 'The tool returned: {"result": "Sunny in example"}'
    trace = spanscope_traces.single()
    assert outline(trace) == [
        "weather_app [AGENT]",
        "  weather_agent [AGENT]",
        "    LiteLlm [CHAT_MODEL]",
        "      litellm.acompletion [CHAT_MODEL]",
        "    get_weather [TOOL]",
        "      lookup [UNKNOWN]",
        "    LiteLlm [CHAT_MODEL]",
        "      litellm.acompletion [CHAT_MODEL]",
    ]
    first = trace.search_spans(name="LiteLlm")[0]
    assert first.get_attribute(K.GEN_AI_PROVIDER) == "litellm"
    assert first.get_attribute(K.GEN_AI_REQUEST_MODEL) == "openai/gpt-4o-mini"
    (part,) = first.get_attribute(K.GEN_AI_OUTPUT_MESSAGES)[0]["parts"]
    assert (part["type"], part["name"]) == ("tool_call", "get_weather")
    assert (trace.info.token_usage or {})["input_tokens"] == 34  # each request counted once
