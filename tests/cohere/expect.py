"""Expected span trees of the cohere integration, shared by its test modules (the GenAI
shape itself comes from `tests.genai_expect`)."""

from __future__ import annotations

from typing import Any

from tests.genai_expect import QUESTION, WEATHER_SCHEMA, ChatProvider
from tests.genai_expect import tool_call as genai_tool_call
from tests.genai_expect import tool_result as genai_tool_result

MODEL = "command-a-03-2025"
ANSWER_PIECES = 8  # one content-delta per word
CHAT = "cohere.ClientV2.chat"
STREAM = "cohere.ClientV2.chat_stream"
ACHAT = "cohere.AsyncClientV2.chat"
ASTREAM = "cohere.AsyncClientV2.chat_stream"
EMBED = "cohere.ClientV2.embed"
RERANK = "cohere.ClientV2.rerank"
RESPONSE_ID = "fake-cohere-response"
CALL_ID = "get_weather_fake0"
PLAN = "I will call get_weather."
MESSAGES = [{"role": "user", "content": QUESTION}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": WEATHER_SCHEMA,
    },
}

# The spans record no response model: cohere chat responses carry none.
COHERE = ChatProvider("cohere", MODEL, response_id=RESPONSE_ID, response_model=False)
chat_attributes = COHERE.chat_attributes


def plan(content: str = PLAN) -> dict[str, Any]:
    return {"type": "reasoning", "content": content}


def tool_call(arguments: Any = None) -> dict[str, Any]:
    return genai_tool_call(CALL_ID, arguments)


def tool_result(response: Any) -> dict[str, Any]:
    return genai_tool_result(CALL_ID, response)


def counts(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """The `usage` of a fake chat response as the span records it (JSON numbers)."""
    tokens = {"input_tokens": float(input_tokens), "output_tokens": float(output_tokens)}
    return {"billed_units": dict(tokens), "tokens": dict(tokens), "cached_tokens": 0.0}


def reply(text_: str, input_tokens: int, output_tokens: int) -> dict[str, Any]:
    """A text chat response as its span records it."""
    return {
        "id": RESPONSE_ID,
        "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": text_}]},
        "usage": counts(input_tokens, output_tokens),
    }


def streamed(text_: str, input_tokens: int | None, output_tokens: int | None) -> dict[str, Any]:
    """The response a text stream assembles to (`input_tokens` None: it stopped before its
    message-end event, which has the finish reason and usage)."""
    assembled: dict[str, Any] = {"id": RESPONSE_ID}
    if input_tokens is not None and output_tokens is not None:
        assembled.update(finish_reason="COMPLETE", usage=counts(input_tokens, output_tokens))
    assembled["message"] = {"role": "assistant", "content": [{"text": text_, "type": "text"}]}
    return assembled
