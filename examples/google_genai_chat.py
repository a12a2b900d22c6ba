"""A trip planner on the real google-genai SDK (Gemini): a chat session whose first turn calls
a Python function (the chat runs it), then a streamed second turn, fully offline.

The SDK talks HTTP to spanscope's fake Gemini API on 127.0.0.1, so no key and no network are
needed. Run: `python examples/google_genai_chat.py` (part of `make demo`).
"""

from __future__ import annotations

from google import genai
from google.genai import types

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "gemini-2.5-flash"


@spanscope.trace(span_type="TOOL")
def get_weather(city: str = "Paris") -> str:
    """Current weather in a city."""
    return f"sunny and 21 °C in {city}"


def fake_reply(prompt: str) -> str:
    if "tomorrow" in prompt.lower():
        return "Tomorrow brings light rain in Paris: pack an umbrella."
    return "It is sunny and 21 °C in Paris."


class TripPlanner:
    def __init__(self, client: genai.Client) -> None:
        self.client = client

    @spanscope.trace(name="trip_planner", span_type="AGENT")
    def plan(self, question: str, follow_up: str) -> list[str]:
        spanscope.update_current_trace(user_id="user-gemini", tags={"provider": "gemini"})
        chat = self.client.chats.create(
            model=MODEL,
            config=types.GenerateContentConfig(
                system_instruction="You are a terse travel assistant.", tools=[get_weather]
            ),
        )
        # The model asks for get_weather; the chat runs it and sends the result back.
        today = chat.send_message(question).text or ""
        # The second turn streams, without tools; its span records every chunk.
        calling = types.FunctionCallingConfig(mode=types.FunctionCallingConfigMode.NONE)
        no_tools = types.GenerateContentConfig(
            tool_config=types.ToolConfig(function_calling_config=calling)
        )
        chunks = chat.send_message_stream(follow_up, config=no_tools)
        return [today, "".join(chunk.text or "" for chunk in chunks)]


def main() -> None:
    spanscope.google_genai.autolog()
    with FakeLLMServer(reply=fake_reply) as server:
        client = genai.Client(
            api_key="gemini-fake", http_options=types.HttpOptions(base_url=server.gemini_base_url)
        )
        planner = TripPlanner(client)
        today, tomorrow = planner.plan("What is the weather in Paris?", "And tomorrow?")
        client.close()
    print(f"today: {today}\ntomorrow: {tomorrow}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
