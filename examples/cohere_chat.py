"""A travel desk on the real Cohere SDK (API v2): documents embedded and reranked for the
question, a chat that calls a tool, the tool, then a streamed answer, fully offline.

The SDK talks HTTP to spanscope's fake Cohere API on 127.0.0.1, so no key and no network are
needed. Run: `python examples/cohere_chat.py` (part of `make demo`).
"""

from __future__ import annotations

import json
from typing import Any

import cohere

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "command-a-03-2025"
GUIDES = [
    "Rome: the Colosseum opens at 9.",
    "Paris: the Louvre is closed on Tuesdays.",
    "Paris: bring an umbrella in spring.",
]
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "enum": ["Paris", "Rome"]}},
            "required": ["city"],
        },
    },
}


@spanscope.trace(span_type="TOOL")
def get_weather(city: str) -> str:
    return f"sunny and 21 °C in {city}"


def fake_reply(prompt: str) -> str:
    return "It is sunny and 21 °C in Paris; the Louvre is closed on Tuesdays."


class TravelDesk:
    def __init__(self, client: cohere.ClientV2) -> None:
        self.client = client

    @spanscope.trace(name="travel_desk", span_type="AGENT")
    def answer(self, question: str) -> str:
        spanscope.update_current_trace(user_id="user-cohere", tags={"provider": "cohere"})
        self.client.embed(
            model="embed-v4.0",
            texts=[question],
            input_type="search_query",
            embedding_types=["float"],
        )
        ranked = self.client.rerank(model="rerank-v3.5", query=question, documents=GUIDES, top_n=2)
        notes = "\n".join(GUIDES[result.index] for result in ranked.results)
        messages: list[Any] = [
            {"role": "system", "content": f"You are a terse travel assistant. Notes:\n{notes}"},
            {"role": "user", "content": question},
        ]
        # The model asks for get_weather first; its result goes back as a tool message.
        reply = self.client.chat(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
        messages.append(reply.message)
        for call in reply.message.tool_calls or []:
            result = get_weather(**json.loads(call.function.arguments or "{}"))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
        # The answer streams; its span records every event and the assembled reply.
        answer = ""
        for event in self.client.chat_stream(model=MODEL, messages=messages):
            if event.type == "content-delta" and event.delta and event.delta.message:
                content = event.delta.message.content
                answer += (content.text or "") if content else ""
        return answer


def main() -> None:
    spanscope.cohere.autolog()
    with FakeLLMServer(reply=fake_reply) as server:
        with cohere.ClientV2(api_key="co-fake", base_url=server.cohere_base_url) as client:
            answer = TravelDesk(client).answer("What is the weather in Paris?")
    print(f"answer: {answer}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
