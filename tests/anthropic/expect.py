"""Expected span trees of the anthropic integration, shared by its test modules (the GenAI
shape itself comes from `tests.genai_expect`)."""

from __future__ import annotations

from tests.genai_expect import QUESTION, WEATHER_SCHEMA, ChatProvider, tool_call
from tests.genai_expect import usage as genai_usage

MODEL = "claude-x"
USER = [{"role": "user", "content": QUESTION}]
THOUGHT = f"The user wrote: {QUESTION}"
PREAMBLE = "I will call get_weather."
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather",
    "input_schema": WEATHER_SCHEMA,
}
TOOL_CALL = tool_call("toolu_fake_0")

# Raw events of the fake server's answers (pings are dropped by the SDK).
TEXT_EVENTS = 13  # message_start, block start, 8 text deltas, block stop, message_delta, stop
TOOL_EVENTS = 14  # the same with a 4-piece preamble, then a tool_use block with 3 JSON pieces

ANTHROPIC = ChatProvider("anthropic", MODEL, response_id="msg_fake")
chat_attributes = ANTHROPIC.chat_attributes


def usage(
    input_tokens: int, output_tokens: int | None, cache_read: int = 0, cache_creation: int = 0
) -> dict[str, int]:
    """Usage attributes; input tokens include cache reads and writes (GenAI conventions), and
    both cache counts are always reported."""
    return genai_usage(
        input_tokens + cache_read + cache_creation,
        output_tokens,
        cache_read=cache_read,
        cache_creation=cache_creation,
    )
