"""The provider-neutral core: what a chat request asks for, and the fake answer to it.

Every provider module turns its request into a `Turn`, asks `answer()` for an `Answer`, and
renders that in its own wire format, so all providers reply alike to the same conversation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from spanscope.testing.fake_llm.schema import example_for_schema

__all__ = [
    "CREATED",
    "CREATED_ISO",
    "GREETING",
    "Answer",
    "ReplyFn",
    "Tool",
    "ToolCall",
    "Turn",
    "answer",
    "count_tokens",
    "default_reply",
    "split_pieces",
    "text_of",
]

ReplyFn = Callable[[str], str]
Finish = Literal["stop", "length", "tool_calls", "stop_sequence"]

GREETING = "Hello from the fake server."

# Fixed timestamps keep every response byte-for-byte reproducible.
CREATED = 1_767_225_600
CREATED_ISO = "2026-01-01T00:00:00Z"


def text_of(content: Any) -> str:
    """The text in a message content: a string, or a list of parts / blocks with text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [text_of(part) for part in content]
        return " ".join(text for text in texts if text)
    if isinstance(content, dict):
        if isinstance(content.get("text"), str):
            return str(content["text"])
        return text_of(content.get("content"))
    return ""


def default_reply(prompt: str) -> str:
    """The reply text when no `reply` was configured: it echoes the last user message."""
    prompt = " ".join(prompt.split())
    return f"You said: {prompt}" if prompt else GREETING


def count_tokens(*texts: str) -> int:
    """The fake tokenizer: one token per whitespace-separated word."""
    return sum(len(text.split()) for text in texts)


_PIECE = re.compile(r"\s*\S+")


def split_pieces(text: str) -> list[str]:
    """Stream pieces, one per token; joined they give `text` back exactly."""
    pieces = _PIECE.findall(text)
    rest = text[sum(map(len, pieces)) :]
    if rest:  # trailing whitespace belongs to the last piece
        pieces = [*pieces[:-1], pieces[-1] + rest] if pieces else [rest]
    return pieces


@dataclass(frozen=True)
class Tool:
    """A function tool the request offers: its name and JSON schema of arguments."""

    name: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str
    """The arguments as JSON text, as OpenAI sends them."""

    @property
    def args(self) -> dict[str, Any]:
        value = json.loads(self.arguments)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Turn:
    """The parts of a chat request that decide the fake answer."""

    prompt: str = ""
    """The text of the last user message."""
    tool_result: str | None = None
    """Set when the conversation ends with a tool result."""
    tools: tuple[Tool, ...] = ()
    tool_choice: str | None = None
    """None or "auto", "none", "required", or the name of a tool that must be called."""
    schema: Mapping[str, Any] | None = None
    """A JSON schema the answer must follow (structured output)."""
    json_mode: bool = False
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    thinking: bool = False


@dataclass(frozen=True)
class Answer:
    text: str = ""
    tool_call: ToolCall | None = None
    thinking: str = ""
    finish: Finish = "stop"
    stop_sequence: str | None = None

    @property
    def pieces(self) -> list[str]:
        return split_pieces(self.text)

    @property
    def output_tokens(self) -> int:
        arguments = self.tool_call.arguments if self.tool_call else ""
        return count_tokens(self.text, self.thinking, arguments)


def answer(turn: Turn, reply: ReplyFn | None = None) -> Answer:
    """The deterministic answer to `turn`.

    Offered tools are called (the one named by tool_choice, else the first whose name the
    prompt mentions, else the first), unless the conversation ends with a tool result; then,
    and without tools, the reply is text: JSON following the schema for structured output,
    in JSON mode `{"reply": text}` (a scripted reply that is a JSON object: as is), otherwise
    `reply(prompt)` or the default echo, cut at a stop sequence or at max_tokens.
    """
    thinking = f"The user wrote: {' '.join(turn.prompt.split())}" if turn.thinking else ""
    tool = _choose_tool(turn)
    if tool is not None:
        arguments = json.dumps(example_for_schema(tool.parameters))
        return Answer(
            tool_call=ToolCall(tool.name, arguments), thinking=thinking, finish="tool_calls"
        )
    if reply is not None:
        base = reply(turn.prompt)
    elif turn.tool_result is not None:
        base = f"The tool returned: {' '.join(turn.tool_result.split())}"
    else:
        base = default_reply(turn.prompt)
    if turn.schema is not None:
        text = json.dumps(example_for_schema(turn.schema))
    elif turn.json_mode:
        # A scripted reply that is a JSON object already is what a JSON-mode model would say.
        text = base if reply is not None and _is_json_object(base) else json.dumps({"reply": base})
    else:
        text = base
    return _limit(text, turn, thinking)


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _choose_tool(turn: Turn) -> Tool | None:
    if not turn.tools or turn.tool_choice == "none":
        return None
    if turn.tool_choice not in (None, "auto", "required"):
        return next((tool for tool in turn.tools if tool.name == turn.tool_choice), None)
    if turn.tool_result is not None and turn.tool_choice != "required":
        return None
    prompt = turn.prompt.lower()
    return next((tool for tool in turn.tools if tool.name.lower() in prompt), turn.tools[0])


def _limit(text: str, turn: Turn, thinking: str) -> Answer:
    hits = [(text.find(stop), stop) for stop in turn.stop if stop and stop in text]
    if hits:
        index, stop = min(hits)
        return Answer(text[:index], thinking=thinking, finish="stop_sequence", stop_sequence=stop)
    pieces = split_pieces(text)
    if turn.max_tokens is not None and len(pieces) > turn.max_tokens:
        return Answer(
            "".join(pieces[: max(turn.max_tokens, 0)]), thinking=thinking, finish="length"
        )
    return Answer(text, thinking=thinking)
