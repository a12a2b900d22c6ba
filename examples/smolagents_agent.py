"""A packing assistant on the real smolagents: a CodeAgent whose code calls a tool, then a
streamed run, traced by spanscope's smolagents integration, fully offline.

smolagents' OpenAI model class talks HTTP to spanscope's fake OpenAI API on 127.0.0.1, so no
key and no network are needed; the fake model answers with the code a model would write. Run:
`python examples/smolagents_agent.py` (part of `make demo`).
"""

from __future__ import annotations

import io

from rich.console import Console
from smolagents import CodeAgent, OpenAIModel, tool
from smolagents.memory import FinalAnswerStep
from smolagents.monitoring import AgentLogger, LogLevel

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gpt-4o-mini"


@tool
def get_weather(city: str) -> str:
    """Current weather in a city.

    Args:
        city: The city, for example Paris.
    """
    return {"Paris": "sunny and 21 °C", "Lyon": "light rain and 14 °C"}.get(city, "mild")


def fake_reply(prompt: str) -> str:
    """What the fake model writes: a thought, then Python code calling the tool."""
    city = "Lyon" if "Lyon" in prompt else "Paris"
    return (
        "Thought: I check the weather, then answer.\n"
        f"<code>\nweather = get_weather(city='{city}')\n"
        f"final_answer(f'In {city} it is {{weather}}: ' + "
        f"('take an umbrella.' if 'rain' in weather else 'pack sunglasses.'))\n</code>"
    )


class PackingAssistant:
    def __init__(self, agent: CodeAgent, streaming: CodeAgent) -> None:
        self.agent = agent
        self.streaming = streaming

    @spanscope.trace(name="packing_assistant", span_type="CHAIN")
    def advise(self, question: str, follow_up: str) -> list[str]:
        spanscope.update_current_trace(user_id="user-smolagents", tags={"framework": "smolagents"})
        today = str(self.agent.run(question))
        # A streamed run: smolagents yields each step (and the model's deltas) as it goes.
        events = list(self.streaming.run(follow_up, stream=True))
        final = events[-1]
        return [today, str(final.output if isinstance(final, FinalAnswerStep) else final)]


def main() -> None:
    spanscope.smolagents.autolog()
    quiet = AgentLogger(LogLevel.OFF, console=Console(file=io.StringIO()))
    with FakeLLMServer(reply=fake_reply) as server:
        model = OpenAIModel(model_id=MODEL, api_base=server.openai_base_url, api_key="fake")
        agent = CodeAgent(tools=[get_weather], model=model, max_steps=3, logger=quiet)
        streaming = CodeAgent(
            tools=[get_weather], model=model, max_steps=3, logger=quiet, stream_outputs=True
        )
        assistant = PackingAssistant(agent, streaming)
        paris, lyon = assistant.advise("What should I pack for Paris?", "And for Lyon?")
        model.client.close()
    print(f"paris: {paris}\nlyon: {lyon}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
