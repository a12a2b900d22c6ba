"""Expected span trees of the google_genai integration, shared by its test modules (the
GenAI shape itself comes from `tests.genai_expect`)."""

from __future__ import annotations

from typing import Any

from tests.genai_expect import ChatProvider
from tests.genai_expect import tool_call as genai_tool_call
from tests.genai_expect import tool_result as genai_tool_result

MODEL = "gemini-2.5-flash"
ANSWER_CHUNKS = 8  # one per word
GENERATE = "google.genai.models.generate_content"
STREAM = "google.genai.models.generate_content_stream"
EMBED = "google.genai.models.embed_content"

GEMINI = ChatProvider("gcp.gemini", MODEL, response_id="fake-gemini-response")
chat_attributes = GEMINI.chat_attributes


# Gemini function calls carry no ids; their results name the function.
def tool_call(arguments: Any = None) -> dict[str, Any]:
    return genai_tool_call(None, arguments)


def tool_result(response: Any) -> dict[str, Any]:
    return genai_tool_result(None, response, name="get_weather")


def dumped(response: Any) -> dict[str, Any]:
    """A response as its span records it: JSON, without unset fields and HTTP headers."""
    data: dict[str, Any] = response.model_dump(mode="json", exclude_none=True)
    data.pop("sdk_http_response", None)
    return data


def streamed(text_: str, prompt_tokens: int, output_tokens: int | None) -> dict[str, Any]:
    """The response a text stream of the fake server assembles to (`output_tokens` None: the
    stream stopped before its last chunk, which has the finish reason and final usage)."""
    candidate: dict[str, Any] = {
        "content": {"role": "model", "parts": [{"text": text_}]},
        "index": 0,
    }
    usage_metadata: dict[str, Any] = {
        "prompt_token_count": prompt_tokens,
        "prompt_tokens_details": [{"modality": "TEXT", "token_count": prompt_tokens}],
        "total_token_count": prompt_tokens + (output_tokens or 0),
    }
    if output_tokens is not None:
        candidate["finish_reason"] = "STOP"
        usage_metadata["candidates_token_count"] = output_tokens
    return {
        "candidates": [candidate],
        "usage_metadata": usage_metadata,
        "model_version": MODEL,
        "response_id": "fake-gemini-response",
    }
