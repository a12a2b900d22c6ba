"""A trip planner on the real CrewAI: a flow that runs a crew (an agent with a weather tool),
then asks the model for a packing note, traced by spanscope's CrewAI integration, fully
offline.

CrewAI's OpenAI LLM class talks HTTP to spanscope's fake OpenAI API on 127.0.0.1, so no key
and no network are needed; CrewAI's own telemetry, tracing and version check are turned off.
Run: `python examples/crewai_crew.py` (part of `make demo`).
"""

# No `from __future__ import annotations`: CrewAI reads the tool's annotations as objects.
import os
from typing import Literal

# Before CrewAI is imported: nothing of its own telemetry or tracing leaves the machine.
os.environ.setdefault("CREWAI_DISABLE_TELEMETRY", "true")
os.environ.setdefault("CREWAI_DISABLE_TRACKING", "true")
os.environ.setdefault("CREWAI_TRACING_ENABLED", "false")
os.environ.setdefault("CREWAI_DISABLE_VERSION_CHECK", "true")

from crewai import LLM, Agent, Crew, Task
from crewai.flow.flow import Flow, listen, start
from crewai.tools import tool

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gpt-4o-mini"


@tool("get_weather")
def get_weather(city: Literal["Paris", "Lyon"]) -> str:
    """Current weather in a city."""
    return {"Paris": "sunny and 21 °C", "Lyon": "light rain and 14 °C"}[city]


def fake_reply(prompt: str) -> str:
    """What the fake model answers, once the tool has given the weather."""
    if "packing note" in prompt:
        return "Pack sunglasses and a light jacket."
    return "It is sunny and 21 °C in Paris."


def make_crew(llm: LLM) -> Crew:
    forecaster = Agent(
        role="Forecaster",
        goal="Tell travellers the weather",
        backstory="You read the weather for travellers.",
        llm=llm,
        tools=[get_weather],
        max_iter=3,
        verbose=False,
    )
    task = Task(
        name="weather report",
        description="What is the weather in {city}?",
        expected_output="One sentence on the weather",
        agent=forecaster,
    )
    return Crew(name="trip crew", agents=[forecaster], tasks=[task], verbose=False)


class TripFlow(Flow):  # an unstructured (dict) state
    """Runs the crew, then asks the model for a packing note."""

    _skip_auto_memory = True  # no memory store of its own (CrewAI makes one by default)

    def __init__(self, llm: LLM) -> None:
        super().__init__(suppress_flow_events=True)  # no console panels
        self.llm = llm

    @start()
    def weather(self) -> str:
        return str(make_crew(self.llm).kickoff(inputs={"city": "Paris"}).raw)

    @listen(weather)
    def packing(self, weather: str) -> str:
        return str(self.llm.call(f"Write a packing note for this weather: {weather}"))


@spanscope.trace(name="trip_planner", span_type="CHAIN")
def plan(llm: LLM) -> str:
    spanscope.update_current_trace(user_id="user-crewai", tags={"framework": "crewai"})
    return str(TripFlow(llm).kickoff())


def main() -> None:
    spanscope.crewai.autolog()
    with FakeLLMServer(reply=fake_reply) as server:
        llm = LLM(model=f"openai/{MODEL}", base_url=server.openai_base_url, api_key="fake")
        note = plan(llm)
    print(f"packing: {note}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
