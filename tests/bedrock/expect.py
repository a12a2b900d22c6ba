"""Expected span trees of the bedrock integration, shared by its test modules (the GenAI
shape itself comes from `tests.genai_expect`)."""

from __future__ import annotations

from typing import Any

from tests.genai_expect import QUESTION, WEATHER_SCHEMA, ChatProvider
from tests.genai_expect import tool_call as genai_tool_call

MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
CONVERSE = "BedrockRuntime.converse"
CONVERSE_STREAM = "BedrockRuntime.converse_stream"
INVOKE = "BedrockRuntime.invoke_model"
INVOKE_STREAM = "BedrockRuntime.invoke_model_with_response_stream"
MESSAGES = [{"role": "user", "content": [{"text": QUESTION}]}]
TOOL_CONFIG = {
    "tools": [
        {
            "toolSpec": {
                "name": "get_weather",
                "description": "Current weather",
                "inputSchema": {"json": WEATHER_SCHEMA},
            }
        }
    ]
}
TOOL_USE_ID = "tooluse_fake_0"

# Converse responses have neither id nor model; an invoked model's body may have an id
# (`response_id=` of `chat_attributes`).
BEDROCK = ChatProvider("aws.bedrock", MODEL, response_model=False)
chat_attributes = BEDROCK.chat_attributes


def tool_call(arguments: Any = None) -> dict[str, Any]:
    return genai_tool_call(TOOL_USE_ID, arguments)


def converse_output(
    content: list[dict[str, Any]], stop: str, tokens: tuple[int, int], latency: bool = True
) -> dict[str, Any]:
    """A Converse response as its span records it (no ResponseMetadata)."""
    response: dict[str, Any] = {
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": stop,
        "usage": {"inputTokens": tokens[0], "outputTokens": tokens[1], "totalTokens": sum(tokens)},
    }
    if latency:
        response["metrics"] = {"latencyMs": 42}
    return response
