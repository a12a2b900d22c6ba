"""Crews on the fake OpenAI server, and what their spans look like."""

from __future__ import annotations

from typing import Any

from crewai import LLM, Agent, Crew, Task
from crewai.tools import tool

import spanscope
from spanscope.constants import SpanAttributeKey as K
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gpt-4o-mini"
QUESTION = "What is the weather in Paris?"
EXPECTED = "The weather"
ROLE = "Weather reporter"
TOOL_ANSWER = "The tool returned: Sunny in example"
# A crew run whose agent calls the tool, then answers from its result.
TOOL_RUN = [
    "crew [CHAIN]",
    f"  {QUESTION} [TASK]",
    f"    {ROLE} [AGENT]",
    "      OpenAICompletion.call [CHAT_MODEL]",
    "      get_weather [TOOL]",
    "        lookup [UNKNOWN]",
    "      OpenAICompletion.call [CHAT_MODEL]",
]
CHAT_KEYS = [
    K.GEN_AI_PROVIDER,
    K.GEN_AI_OPERATION,
    K.GEN_AI_REQUEST_MODEL,
    K.GEN_AI_SYSTEM_INSTRUCTIONS,
    K.GEN_AI_INPUT_MESSAGES,
    K.GEN_AI_OUTPUT_MESSAGES,
    K.GEN_AI_FINISH_REASONS,
    K.GEN_AI_TOOL_DEFINITIONS,
    K.GEN_AI_INPUT_TOKENS,
    K.GEN_AI_OUTPUT_TOKENS,
    K.GEN_AI_TOOL_NAME,
    "gen_ai.agent.name",
]


@tool("get_weather")
def get_weather(city: str) -> str:
    """Current weather in a city."""
    with spanscope.start_span("lookup"):  # the tool's own code nests under its span
        return f"Sunny in {city}"


class WeatherServiceDown(Exception):
    pass


@tool("broken_weather")
def broken_weather(city: str) -> str:
    """Current weather in a city."""
    raise WeatherServiceDown(f"no weather for {city}")


# The LLMs a test made: their OpenAI clients are closed after it (conftest), or their
# connections would be collected, and warn, in some later test.
MODELS: list[Any] = []


def make_llm(server: FakeLLMServer, **kwargs: Any) -> LLM:
    llm = LLM(
        model=f"openai/{MODEL}",
        base_url=server.openai_base_url,
        api_key="sk-fake",
        max_retries=0,
        **kwargs,
    )
    MODELS.append(llm)
    return llm


def make_agent(server: FakeLLMServer, tools: list[Any] | None = None, **kwargs: Any) -> Agent:
    return Agent(
        role=ROLE,
        goal="Report the weather",
        backstory="You know the weather.",
        llm=make_llm(server, **kwargs),
        tools=tools or [],
        max_iter=2,
        verbose=False,
    )


def make_crew(server: FakeLLMServer, tools: list[Any] | None = None, **kwargs: Any) -> Crew:
    stream = bool(kwargs.pop("stream", False))
    agent = make_agent(server, tools, **kwargs)
    task = Task(description=QUESTION, expected_output=EXPECTED, agent=agent)
    return Crew(agents=[agent], tasks=[task], verbose=False, stream=stream)
