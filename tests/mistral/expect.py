"""Expected spans of the mistral integration, shared by its test modules (the GenAI shape
itself comes from `tests.genai_expect`)."""

from __future__ import annotations

from typing import Any

from tests.genai_expect import QUESTION, WEATHER_SCHEMA, ChatProvider

MODEL = "mistral-small-latest"
ANSWER_CHUNKS = 10  # the role chunk, one per word, the finish chunk with usage
COMPLETE = "mistral.chat.complete"
STREAM = "mistral.chat.stream"
EMBED = "mistral.embeddings.create"
USER: Any = [{"role": "user", "content": QUESTION}]
WEATHER: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": WEATHER_SCHEMA,
    },
}

MISTRAL = ChatProvider("mistral_ai", MODEL, response_id="chatcmpl-fake")
chat_attributes = MISTRAL.chat_attributes


def dumped(response: Any) -> Any:
    return response.model_dump(mode="json", warnings=False)
