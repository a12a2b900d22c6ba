"""OpenAI `POST /v1/chat/completions` and the legacy `POST /v1/completions`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from spanscope.testing.fake_llm.conversation import (
    CREATED,
    Answer,
    Tool,
    Turn,
    answer,
    count_tokens,
    split_pieces,
    text_of,
)
from spanscope.testing.fake_llm.errors import Provider, error_body, response_headers
from spanscope.testing.fake_llm.state import ServerState, prefix_key
from spanscope.testing.fake_llm.wire import (
    RecordedRequest,
    Reply,
    json_reply,
    optional_int,
    require,
    sse_reply,
)

__all__ = [
    "OPENAI",
    "ChatDialect",
    "chat_completions",
    "chat_completions_in",
    "completions",
    "openai_cached_tokens",
    "openai_headers",
]

Event = tuple[str | None, Any]

# OpenAI caches prompt prefixes of at least this many tokens by itself.
_MIN_CACHED_PREFIX = 1024

_FINISH = {"stop": "stop", "stop_sequence": "stop", "length": "length", "tool_calls": "tool_calls"}


def openai_cached_tokens(state: ServerState, model: str, prefix: Sequence[Any], tokens: int) -> int:
    """Tokens of `prefix` served from the prompt cache: long prefixes seen before."""
    if tokens < _MIN_CACHED_PREFIX:
        return 0
    read, _ = state.cache.lookup([(prefix_key("openai", model, list(prefix)), tokens)])
    return read


@dataclass(frozen=True)
class ChatDialect:
    """How an OpenAI-compatible provider's chat completions differ from OpenAI's own."""

    provider: Provider
    headers: Callable[[], dict[str, str]]
    whole_tool_calls: bool = False
    """Each tool call comes in one delta, its arguments whole (Mistral), not in pieces."""
    always_usage: bool = False
    """Every stream ends with a usage chunk, asked for or not (Mistral)."""
    x_groq: bool = False
    """The last chunk carries `x_groq: {"id", "usage"}` (Groq)."""
    usage_details: bool = True
    """Usage has OpenAI's `prompt_tokens_details` / `completion_tokens_details` (not Mistral)."""


def openai_headers() -> dict[str, str]:
    return {**response_headers("openai"), "openai-processing-ms": "1"}


OPENAI = ChatDialect("openai", openai_headers)


def stream_failure(
    message: str = "The stream broke (fake error requested)", provider: Provider = "openai"
) -> Event:
    """The mid-stream error chunk; the OpenAI SDK raises APIError on it."""
    return None, error_body(provider, 500, message)


def chat_completions(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    return chat_completions_in(OPENAI, request, state, fail_stream)


def chat_completions_in(
    dialect: ChatDialect, request: RecordedRequest, state: ServerState, fail_stream: bool
) -> Reply:
    """A chat completion (or its stream) as `dialect`'s provider answers it."""
    body = request.json
    require(body, "model", "messages")
    messages = [m for m in body["messages"] if isinstance(m, dict)]
    model = str(body["model"])
    turn = _chat_turn(body, messages)
    result = answer(turn, state.reply)
    texts = [text_of(m.get("content")) for m in messages]
    prompt_tokens = max(1, count_tokens(*texts))
    prefix_tokens = count_tokens(*texts[:-1])
    cached = openai_cached_tokens(state, model, messages[:-1], prefix_tokens)
    usage = _usage(prompt_tokens, result.output_tokens, cached)
    if not dialect.usage_details:
        usage = {k: v for k, v in usage.items() if not k.endswith("_details")}
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        asked = usage if include_usage or dialect.always_usage else None
        events = _chat_events(dialect, model, result, asked, usage, fail_stream)
        return sse_reply(events, dialect.headers())
    return json_reply(_completion(model, result, usage), headers=dialect.headers())


def _chat_turn(body: dict[str, Any], messages: list[dict[str, Any]]) -> Turn:
    last = messages[-1] if messages else {}
    users = [m for m in messages if m.get("role") == "user"]
    tools = tuple(
        Tool(str(t["function"]["name"]), t["function"].get("parameters") or {})
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type") == "function" and "function" in t
    )
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        choice = (choice.get("function") or {}).get("name")
    if choice == "any":  # Mistral's word for "required"
        choice = "required"
    response_format = body.get("response_format") or {}
    schema = None
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
    return Turn(
        prompt=text_of(users[-1].get("content")) if users else "",
        tool_result=text_of(last.get("content"))
        if last.get("role") in ("tool", "function")
        else None,
        tools=tools,
        tool_choice=choice if isinstance(choice, str) else None,
        schema=schema,
        json_mode=response_format.get("type") == "json_object",
        max_tokens=_first_int(body, "max_completion_tokens", "max_tokens"),
        stop=_stops(body.get("stop")),
    )


def _first_int(body: dict[str, Any], *names: str) -> int | None:
    values = [optional_int(body, name) for name in names]
    return next((value for value in values if value is not None), None)


def _stops(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(s for s in value or () if isinstance(s, str))


def _usage(prompt_tokens: int, completion_tokens: int, cached: int = 0) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _tool_call_json(result: Answer) -> list[dict[str, Any]]:
    assert result.tool_call is not None
    function = {"name": result.tool_call.name, "arguments": result.tool_call.arguments}
    return [{"id": "call_fake_0", "type": "function", "function": function}]


def _completion(model: str, result: Answer, usage: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": result.text,
        "refusal": None,
        "annotations": [],
    }
    if result.tool_call is not None:
        message.update(content=None, tool_calls=_tool_call_json(result))
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "system_fingerprint": "fp_fake",
        "service_tier": "default",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": _FINISH[result.finish],
            }
        ],
        "usage": usage,
    }


def _chat_events(
    dialect: ChatDialect,
    model: str,
    result: Answer,
    usage: dict[str, Any] | None,
    x_groq_usage: dict[str, Any],
    fail: bool,
) -> Iterator[Event]:
    base: dict[str, Any] = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "system_fingerprint": "fp_fake",
        "service_tier": "default",
    }
    if usage is not None and not dialect.always_usage:
        base["usage"] = None  # with include_usage, every chunk carries `usage`, null until the end

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> Event:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return None, {**base, "choices": [choice], **extra}

    if result.tool_call is not None:
        header = {**_tool_call_json(result)[0], "index": 0}
        if dialect.whole_tool_calls:
            yield chunk({"role": "assistant", "content": "", "tool_calls": [header]})
            deltas: list[dict[str, Any]] = []
        else:
            header["function"]["arguments"] = ""
            yield chunk({"role": "assistant", "content": None, "tool_calls": [header]})
            deltas = [
                {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
                for piece in split_pieces(result.tool_call.arguments)
            ]
    else:
        yield chunk({"role": "assistant", "content": "", "refusal": None})
        deltas = [{"content": piece} for piece in result.pieces]
    for delta in deltas:
        yield chunk(delta)
        if fail:  # the stream breaks after its first piece
            yield stream_failure(provider=dialect.provider)
            return
    if fail:  # an empty answer still breaks
        yield stream_failure(provider=dialect.provider)
        return
    extra = {"x_groq": {"id": "req_fake", "usage": x_groq_usage}} if dialect.x_groq else {}
    if usage is not None and dialect.always_usage:
        extra["usage"] = usage  # on the last chunk, with the finish reason
    yield chunk({}, _FINISH[result.finish], **extra)
    if usage is not None and not dialect.always_usage:
        yield None, {**base, "choices": [], "usage": usage}
    yield None, "[DONE]"


def completions(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    """The legacy text completions API: one choice per prompt."""
    body = request.json
    require(body, "model", "prompt")
    model = str(body["model"])
    prompts = _prompts(body["prompt"])
    max_tokens, stop = optional_int(body, "max_tokens"), _stops(body.get("stop"))
    results = [answer(Turn(p, max_tokens=max_tokens, stop=stop), state.reply) for p in prompts]
    prompt_tokens = max(1, count_tokens(*prompts))
    usage = _usage(prompt_tokens, sum(r.output_tokens for r in results))
    base = {"id": "cmpl-fake", "object": "text_completion", "created": CREATED, "model": model}
    base["system_fingerprint"] = "fp_fake"
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        events = _completion_events(base, results, usage if include_usage else None, fail_stream)
        return sse_reply(events, openai_headers())
    choices = [_text_choice(i, r.text, _FINISH[r.finish]) for i, r in enumerate(results)]
    return json_reply({**base, "choices": choices, "usage": usage}, headers=openai_headers())


def _prompts(prompt: Any) -> list[str]:
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt and all(isinstance(t, int) for t in prompt):
        return [" ".join(map(str, prompt))]  # one prompt given as token ids
    return [p if isinstance(p, str) else " ".join(map(str, p)) for p in prompt or [""]]


def _text_choice(index: int, text: str, finish: str | None) -> dict[str, Any]:
    return {"text": text, "index": index, "logprobs": None, "finish_reason": finish}


def _completion_events(
    base: dict[str, Any], results: list[Answer], usage: dict[str, Any] | None, fail: bool
) -> Iterator[Event]:
    for index, result in enumerate(results):
        for piece in result.pieces:
            yield None, {**base, "choices": [_text_choice(index, piece, None)]}
            if fail:  # the stream breaks after its first piece
                yield stream_failure()
                return
        if fail:  # an empty answer still breaks
            yield stream_failure()
            return
        yield None, {**base, "choices": [_text_choice(index, "", _FINISH[result.finish])]}
    if usage is not None:
        yield None, {**base, "choices": [], "usage": usage}
    yield None, "[DONE]"
