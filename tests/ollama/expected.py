"""The span trees ollama calls against the fake server should produce, and their normaliser.

The fake server is deterministic: one token per word, durations from token counts
(load 1 ms, prompt 1 ms per token, eval 10 ms per token), a fixed `created_at`.
"""

from __future__ import annotations

from typing import Any

from spanscope.entities.trace import Trace
from spanscope.testing import span_tree

MODEL = "llama-x"
CREATED = "2026-01-01T00:00:00Z"
USER = [{"role": "user", "content": "Name a colour"}]
ANSWER = "You said: Name a colour"
USER_PARTS = [{"role": "user", "parts": [{"type": "text", "content": "Name a colour"}]}]
TTFT = "spanscope.span.time_to_first_token_ns"
WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather.",
        "parameters": {
            "type": "object",
            "required": ["city"],
            "properties": {"city": {"type": "string", "description": "The city name"}},
        },
    },
}

WEATHER_DEFINITION = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather.",
    "parameters": WEATHER_TOOL["function"]["parameters"],
}
TOOL_CALL = {"function": {"name": "get_weather", "arguments": {"city": "example"}}}
TOOL_CALL_PART = {
    "type": "tool_call",
    "id": None,
    "name": "get_weather",
    "arguments": {"city": "example"},
}


def get_weather(city: str) -> str:
    """Current weather.

    Args:
        city: The city name
    """
    return "sunny"


def tree(trace: Trace) -> list[dict[str, Any]]:
    """The whole span tree with attributes; the one timing-dependent value checked and dropped."""
    nodes = span_tree(trace, attributes=True)
    _drop_ttft(nodes)
    return nodes


def _drop_ttft(nodes: list[dict[str, Any]]) -> None:
    for node in nodes:
        if TTFT in node["attributes"]:
            assert node["attributes"].pop(TTFT) > 0
            node["ttft"] = True
        _drop_ttft(node["children"])


def timings(prompt: int, output: int | None) -> dict[str, int | None]:
    prompt_ns = prompt * 1_000_000
    eval_ns = (output or 0) * 10_000_000
    return {
        "total_duration": 1_000_000 + prompt_ns + eval_ns,
        "load_duration": 1_000_000,
        "prompt_eval_count": prompt,
        "prompt_eval_duration": prompt_ns,
        "eval_count": output,
        "eval_duration": eval_ns,
    }


def duration_attributes(prompt: int, output: int) -> dict[str, int]:
    values = timings(prompt, output)
    return {
        "ollama.total_duration_ns": values["total_duration"],  # type: ignore[dict-item]
        "ollama.load_duration_ns": 1_000_000,
        "ollama.prompt_eval_duration_ns": values["prompt_eval_duration"],  # type: ignore[dict-item]
        "ollama.eval_duration_ns": values["eval_duration"],  # type: ignore[dict-item]
    }


def chat_response(message: dict[str, Any], prompt: int = 3, output: int = 5) -> dict[str, Any]:
    """A ChatResponse as the span records it (model_dump, JSON mode)."""
    full = {"thinking": None, "images": None, "tool_name": None, "tool_calls": None}
    return {
        "model": MODEL,
        "created_at": CREATED,
        "done": True,
        "done_reason": "stop",
        **timings(prompt, output),
        "message": {"role": "assistant", **full, **message},
        "logprobs": None,
    }


def chat_span(
    name: str,
    *,
    inputs: dict[str, Any] | None = None,
    input_messages: list[dict[str, Any]] | None = None,
    reply: dict[str, Any] | None = None,
    reply_parts: list[dict[str, Any]] | None = None,
    usage: tuple[int, int] = (3, 5),
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The CHAT_MODEL span of one successful chat call (not streamed)."""
    prompt, output = usage
    return {
        "name": name,
        "span_type": "CHAT_MODEL",
        "status": "OK",
        "inputs": inputs if inputs is not None else {"model": MODEL, "messages": USER},
        "outputs": chat_response(reply or {"content": ANSWER}, prompt, output),
        "events": [],
        "attributes": {
            "gen_ai.provider.name": "ollama",
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": MODEL,
            "gen_ai.input.messages": input_messages or USER_PARTS,
            **(extra or {}),
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.output.messages": [
                {
                    "role": "assistant",
                    "parts": reply_parts or [{"type": "text", "content": ANSWER}],
                    "finish_reason": "stop",
                }
            ],
            "gen_ai.usage.input_tokens": prompt,
            "gen_ai.usage.output_tokens": output,
            "gen_ai.response.model": MODEL,
            **duration_attributes(prompt, output),
        },
        "children": [],
    }


def streamed(span: dict[str, Any], chunks: int) -> dict[str, Any]:
    """The same span for the streamed call: `stream` in the inputs, one event per chunk."""
    return {
        **span,
        "inputs": {**span["inputs"], "stream": True},
        "events": ["stream.chunk"] * chunks,
        "ttft": True,
    }


def generate_span(name: str, stream: bool = False) -> dict[str, Any]:
    answer = "You said: Tell me a joke"
    span = {
        "name": name,
        "span_type": "LLM",
        "status": "OK",
        "inputs": {"model": MODEL, "prompt": "Tell me a joke", "system": "Be brief"},
        "outputs": {
            "model": MODEL,
            "created_at": CREATED,
            "done": True,
            "done_reason": "stop",
            **timings(6, 6),
            "response": answer,
            "thinking": None,
            "context": [1, 2, 3],
            "logprobs": None,
            "image": None,
            "completed": None,
            "total": None,
        },
        "events": [],
        "attributes": {
            "gen_ai.provider.name": "ollama",
            "gen_ai.operation.name": "text_completion",
            "gen_ai.request.model": MODEL,
            "gen_ai.system_instructions": [{"type": "text", "content": "Be brief"}],
            "gen_ai.input.messages": [
                {"role": "system", "parts": [{"type": "text", "content": "Be brief"}]},
                {"role": "user", "parts": [{"type": "text", "content": "Tell me a joke"}]},
            ],
            "gen_ai.output.messages": [
                {
                    "role": "assistant",
                    "parts": [{"type": "text", "content": answer}],
                    "finish_reason": "stop",
                }
            ],
            "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.response.model": MODEL,
            "gen_ai.usage.input_tokens": 6,
            "gen_ai.usage.output_tokens": 6,
            **duration_attributes(6, 6),
        },
        "children": [],
    }
    return streamed(span, chunks=7) if stream else span


def embed_span(name: str, inputs: dict[str, Any], outputs: Any, tokens: int | None) -> Any:
    usage = {} if tokens is None else {"gen_ai.usage.input_tokens": tokens}
    response = {} if tokens is None else {"gen_ai.response.model": inputs["model"]}
    durations = (
        {}
        if tokens is None
        else {
            "ollama.total_duration_ns": 1_000_000 + tokens * 1_000_000,
            "ollama.load_duration_ns": 1_000_000,
        }
    )
    return {
        "name": name,
        "span_type": "EMBEDDING",
        "status": "OK",
        "inputs": inputs,
        "outputs": outputs,
        "events": [],
        "attributes": {
            "gen_ai.provider.name": "ollama",
            "gen_ai.operation.name": "embeddings",
            "gen_ai.request.model": inputs["model"],
            **usage,
            **response,
            **durations,
        },
        "children": [],
    }


def error_span(name: str, inputs: dict[str, Any], error: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "span_type": "CHAT_MODEL",
        "status": "ERROR",
        "error": error,
        "inputs": inputs,
        "outputs": None,
        "events": ["exception"],
        "attributes": {
            "gen_ai.provider.name": "ollama",
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": inputs["model"],
            "gen_ai.input.messages": USER_PARTS,
        },
        "children": [],
        **extra,
    }


def name_of(message: str) -> str:
    return f"ResponseError: {message}"
