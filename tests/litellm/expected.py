"""The span trees litellm calls against the fake server should produce, and their normaliser."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Any

import pytest

from spanscope.entities.trace import Trace
from spanscope.testing import span_tree

# litellm's own pydantic warnings (a TypedDict it imports on the first call, a deprecated
# attribute it reads while streaming): litellm ignores them itself when imported
# (litellm/_process_defaults.py), but pytest puts its own filters back before every test.
LITELLM_WARNINGS = [
    pytest.mark.filterwarnings("ignore:Items? .* `ReadOnly` qualifier:UserWarning"),
    pytest.mark.filterwarnings(
        "ignore:Accessing the 'model_(computed_)?fields' attribute on the instance"
        ":DeprecationWarning"
    ),
]

USER = [{"role": "user", "content": "Hello litellm"}]
ANSWER = "You said: Hello litellm"
USER_PARTS = [{"role": "user", "parts": [{"type": "text", "content": "Hello litellm"}]}]
TTFT = "spanscope.span.time_to_first_token_ns"
TOOL = {
    "type": "function",
    "function": {
        "name": "lookup",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
}
TOOL_DEFINITION = {
    "type": "function",
    "name": "lookup",
    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
}
TOOL_CALL_PART = {
    "type": "tool_call",
    "id": "call_fake_0",
    "name": "lookup",
    "arguments": {"q": "example"},
}


def tree(trace: Trace) -> list[dict[str, Any]]:
    """The whole span tree with attributes; timing-dependent values checked and dropped
    (time to first token; `created` of a rebuilt stream response, which is the local clock)."""
    nodes = span_tree(trace, attributes=True)
    _normalise(nodes)
    return nodes


def _normalise(nodes: list[dict[str, Any]]) -> None:
    for node in nodes:
        if TTFT in node["attributes"]:
            assert node["attributes"].pop(TTFT) > 0
            assert isinstance(node["outputs"], dict)
            assert node["outputs"].pop("created") > 0
        _normalise(node["children"])


def openai_inputs(fake_base: str, **extra: Any) -> dict[str, Any]:
    """The inputs of a call with `openai_options`: the API key redacted."""
    return {
        "model": "openai/gpt-x",
        "messages": USER,
        **extra,
        "api_base": fake_base,
        "api_key": "***",
        "max_retries": 0,
    }


def chat_attributes(
    *,
    reply_parts: list[dict[str, Any]] | None = None,
    reason: str = "stop",
    usage: tuple[int, int] | None = (2, 4),
    **extra: Any,
) -> dict[str, Any]:
    tokens = (
        {}
        if usage is None
        else {
            "gen_ai.usage.input_tokens": usage[0],
            "gen_ai.usage.output_tokens": usage[1],
        }
    )
    return {
        "gen_ai.provider.name": "openai",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-x",
        "gen_ai.input.messages": USER_PARTS,
        "gen_ai.output.messages": [
            {
                "role": "assistant",
                "parts": reply_parts or [{"type": "text", "content": ANSWER}],
                "finish_reason": reason,
            }
        ],
        "gen_ai.response.finish_reasons": [reason],
        "gen_ai.response.model": "gpt-x",
        "gen_ai.response.id": "chatcmpl-fake",
        **tokens,
        **extra,
    }


def streamed_usage(prompt: int = 2, completion: int = 4) -> dict[str, Any]:
    """A usage chunk of litellm's OpenAI provider, as the rebuilt response carries it."""
    return {
        "completion_tokens": completion,
        "prompt_tokens": prompt,
        "total_tokens": prompt + completion,
        "completion_tokens_details": {
            "accepted_prediction_tokens": 0,
            "audio_tokens": 0,
            "reasoning_tokens": 0,
            "rejected_prediction_tokens": 0,
            "text_tokens": None,
            "image_tokens": None,
            "video_tokens": None,
        },
        "prompt_tokens_details": {
            "audio_tokens": 0,
            "cached_tokens": 0,
            "text_tokens": None,
            "image_tokens": None,
            "video_tokens": None,
            "initial_prompt_tokens": None,
        },
    }


def rebuilt(message: dict[str, Any], reason: str | None, usage: Any = None) -> dict[str, Any]:
    """A stream's outputs: the response rebuilt from its chunks (without `created`)."""
    return {
        "id": "chatcmpl-fake",
        "model": "gpt-x",
        "object": "chat.completion",
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "finish_reason": reason,
                "index": 0,
                "message": {
                    "content": None,
                    "role": "assistant",
                    "tool_calls": None,
                    "function_call": None,
                    **message,
                },
            }
        ],
        "usage": usage,
        "service_tier": "default",
    }


def collect_until(done: Callable[[], bool], timeout: float = 5.0) -> None:
    """Collect garbage until `done()`: litellm's logging threads keep a dropped stream
    (in their call details) a little while after the caller let go of it."""
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        if done() or time.monotonic() > deadline:
            return
        time.sleep(0.01)


async def acollect_until(done: Callable[[], bool], timeout: float = 5.0) -> None:
    """`collect_until` for async streams, which the event loop closes in a task."""
    deadline = time.monotonic() + timeout
    while True:
        gc.collect()
        await asyncio.sleep(0.01)
        if done() or time.monotonic() > deadline:
            return


def error_tree(name: str, inputs: dict[str, Any], exc: BaseException) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "span_type": "CHAT_MODEL",
            "status": "ERROR",
            "error": f"{type(exc).__name__}: {exc}",
            "inputs": inputs,
            "outputs": None,
            "events": ["exception"],
            "attributes": {
                "gen_ai.provider.name": "openai",
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": inputs["model"].split("/")[1],
                "gen_ai.input.messages": USER_PARTS,
            },
            "children": [],
        }
    ]
