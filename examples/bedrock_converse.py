"""A travel desk on Amazon Bedrock through the real boto3 client: a Converse tool call, the tool,
its result sent back, then a streamed ConverseStream answer, fully offline.

boto3 talks HTTP to spanscope's fake Bedrock Runtime on 127.0.0.1, so no AWS account and no
network are needed (the keys are dummies). Run: `python examples/bedrock_converse.py` (part of
`make demo`).
"""

from __future__ import annotations

from typing import Any

import boto3

import spanscope
from spanscope.testing.fake_llm import FakeLLMServer

MODEL = "amazon.nova-lite-v1:0"
SYSTEM = [{"text": "You are a terse travel assistant."}]
TOOLS = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "description": "Current weather in a city.",
                "inputSchema": {
                    "json": {
                        "type": "object",
                        "properties": {"city": {"type": "string", "default": "Lisbon"}},
                    }
                },
            }
        }
    ]
}


@spanscope.trace(span_type="TOOL")
def get_weather(city: str = "Lisbon") -> str:
    return f"sunny and 21 °C in {city}"


def fake_reply(prompt: str) -> str:
    if "postcard" in prompt.lower():
        return "Greetings from sunny Lisbon: 21 °C, pastéis de nata and a tram ride."
    return "It is sunny and 21 °C in Lisbon."


class TravelDesk:
    def __init__(self, client: Any) -> None:
        self.client = client

    @spanscope.trace(name="travel_desk", span_type="AGENT")
    def answer(self, question: str) -> list[str]:
        spanscope.update_current_trace(user_id="user-bedrock", tags={"provider": "bedrock"})
        messages: list[dict[str, Any]] = [{"role": "user", "content": [{"text": question}]}]
        reply = self.converse(messages)
        # The model asks for get_weather; we run it and send the result back.
        while reply["stopReason"] == "tool_use":
            messages.append(reply["output"]["message"])
            results = [
                {
                    "toolResult": {
                        "toolUseId": block["toolUse"]["toolUseId"],
                        "content": [{"text": get_weather(**block["toolUse"]["input"])}],
                    }
                }
                for block in reply["output"]["message"]["content"]
                if "toolUse" in block
            ]
            messages.append({"role": "user", "content": results})
            reply = self.converse(messages)
        today = reply["output"]["message"]["content"][0]["text"]
        return [today, self.postcard(today)]

    def converse(self, messages: list[dict[str, Any]]) -> Any:
        return self.client.converse(
            modelId=MODEL, messages=messages, system=SYSTEM, toolConfig=TOOLS
        )

    def postcard(self, weather: str) -> str:
        # A streamed call: its span records every event and the assembled answer.
        prompt = f"Write a one-line postcard: {weather}"
        response = self.client.converse_stream(
            modelId=MODEL,
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig={"maxTokens": 64},
        )
        pieces = []
        for event in response["stream"]:
            if "contentBlockDelta" in event:
                pieces.append(event["contentBlockDelta"]["delta"].get("text", ""))
        return "".join(pieces)


def main() -> None:
    spanscope.bedrock.autolog()
    with FakeLLMServer(reply=fake_reply) as server:
        client = boto3.client(
            "bedrock-runtime",
            endpoint_url=server.bedrock_base_url,
            region_name="us-east-1",
            aws_access_key_id="fake",
            aws_secret_access_key="fake",
        )
        today, postcard = TravelDesk(client).answer("What is the weather in Lisbon?")
        client.close()
    print(f"answer: {today}\npostcard: {postcard}\n")
    print(spanscope.get_trace(spanscope.get_last_active_trace_id()).to_text())


if __name__ == "__main__":
    main()
