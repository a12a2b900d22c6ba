"""A weather agent on the real Mistral SDK: a tool call, the tool, then a streamed answer,
fully offline.

The SDK talks HTTP to spanscope's fake Mistral API on 127.0.0.1. Run:
`python examples/mistral_chat.py` (part of `make demo`).
"""

from __future__ import annotations

import json
import os
from typing import Any

from mistralai.client import Mistral

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "mistral-small-latest"
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@spanscope.trace(span_type="TOOL")
def get_weather(city: str) -> str:
    return f"It is sunny and 21 °C in {city}."


@spanscope.trace(name="mistral_weather_agent", span_type="AGENT")
def weather_agent(client: Mistral, question: str) -> str:
    spanscope.update_current_trace(user_id="user-mistral", tags={"provider": "mistral"})
    messages: list[Any] = [{"role": "user", "content": question}]
    first = client.chat.complete(
        model=MODEL, messages=messages, tools=[WEATHER_TOOL], tool_choice="any"
    )
    reply = first.choices[0].message
    messages.append(reply)
    for call in reply.tool_calls or []:
        arguments = call.function.arguments
        city = (json.loads(arguments) if isinstance(arguments, str) else arguments)["city"]
        result = get_weather("Paris" if city == "example" else city)
        messages.append(
            {"role": "tool", "tool_call_id": call.id, "name": "get_weather", "content": result}
        )
    with client.chat.stream(model=MODEL, messages=messages) as events:
        return "".join(str(event.data.choices[0].delta.content or "") for event in events)


def main() -> None:
    os.environ.setdefault("MISTRAL_SDK_TELEMETRY", "false")  # the SDK's own export stays off
    spanscope.mistral.autolog()
    with FakeLLMServer() as server:
        with Mistral(api_key="mistral-fake", server_url=server.mistral_base_url) as client:
            answer = weather_agent(client, "What is the weather in Paris?")
    print(f"answer: {answer}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
