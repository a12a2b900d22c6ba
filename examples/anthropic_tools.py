"""A weather bot on the real Anthropic SDK: a tool call, then a streamed answer, fully offline.

The SDK talks HTTP to spanscope's fake Anthropic server on 127.0.0.1, so no key and no network
are needed. Run: `python examples/anthropic_tools.py` (part of `make demo`).
"""

from __future__ import annotations

import anthropic

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "claude-sonnet-5-5"
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather in a city.",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string", "enum": ["Paris", "Lyon", "Nice"]}},
        "required": ["city"],
    },
}


@spanscope.trace(span_type="TOOL")
def get_weather(city: str) -> str:
    return f"sunny and 21 °C in {city}"


class WeatherBot:
    def __init__(self, client: anthropic.Anthropic) -> None:
        self.client = client

    @spanscope.trace(name="weather_bot", span_type="AGENT")
    def answer(self, question: str) -> str:
        spanscope.update_current_trace(user_id="user-anthropic", tags={"provider": "anthropic"})
        messages: list[dict[str, object]] = [{"role": "user", "content": question}]
        reply = self.client.messages.create(
            model=MODEL,
            max_tokens=300,
            system="You are a terse weather assistant.",
            messages=messages,
            tools=[WEATHER_TOOL],
        )
        results = [
            {
                "type": "tool_result",
                "tool_use_id": block.id,
                "content": get_weather(str(dict(block.input).get("city", "Paris"))),
            }
            for block in reply.content
            if block.type == "tool_use"
        ]
        messages.append({"role": "assistant", "content": reply.content})
        messages.append({"role": "user", "content": results})
        # The answer streams; its span records every event and the assembled message.
        with self.client.messages.stream(model=MODEL, max_tokens=300, messages=messages) as stream:
            return "".join(stream.text_stream)


def main() -> None:
    spanscope.anthropic.autolog()
    with FakeLLMServer(reply="It is sunny and 21 °C in Paris.") as server:
        client = anthropic.Anthropic(
            base_url=server.anthropic_base_url, api_key="sk-ant-fake", max_retries=0
        )
        answer = WeatherBot(client).answer("What is the weather in Paris?")
        client.close()
    print(f"answer: {answer}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
