"""Ollama `/api/chat`, `/api/generate` (NDJSON streams by default), embeddings, model info."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from spanscope.testing.fake_llm.conversation import (
    CREATED_ISO,
    Answer,
    Tool,
    Turn,
    answer,
    count_tokens,
    split_pieces,
    text_of,
)
from spanscope.testing.fake_llm.embeddings import dimensions_of, embedding_inputs, fake_vector
from spanscope.testing.fake_llm.errors import error_body
from spanscope.testing.fake_llm.state import ServerState
from spanscope.testing.fake_llm.wire import (
    RecordedRequest,
    Reply,
    json_reply,
    ndjson_reply,
    require,
)

__all__ = ["chat", "embed", "embeddings", "generate", "show", "tags", "version"]

_LOAD_NS = 1_000_000


def chat(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    require(body, "model")
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    users = [m for m in messages if m.get("role") == "user"]
    last = messages[-1] if messages else {}
    tools = tuple(
        Tool(str(t["function"]["name"]), t["function"].get("parameters") or {})
        for t in body.get("tools") or []
        if isinstance(t, dict) and isinstance(t.get("function"), dict)
    )
    turn = _turn(
        body,
        prompt=text_of(users[-1].get("content")) if users else "",
        tool_result=text_of(last.get("content")) if last.get("role") == "tool" else None,
        tools=tools,
    )
    result = answer(turn, state.reply)
    input_tokens = max(1, count_tokens(*(text_of(m.get("content")) for m in messages)))
    message: dict[str, Any] = {"role": "assistant", "content": result.text}
    if result.thinking:
        message["thinking"] = result.thinking
    if result.tool_call is not None:
        call = {"name": result.tool_call.name, "arguments": result.tool_call.args}
        message.update(content="", tool_calls=[{"function": call}])
    final = _final(str(body["model"]), result, input_tokens)
    if body.get("stream", True):
        return ndjson_reply(_chat_parts(final, message, result, fail_stream))
    return json_reply({**final, "message": message})


def generate(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    require(body, "model")
    prompt = str(body.get("prompt") or "")
    result = answer(_turn(body, prompt=prompt), state.reply)
    input_tokens = max(1, count_tokens(str(body.get("system") or ""), prompt))
    final = {**_final(str(body["model"]), result, input_tokens), "context": [1, 2, 3]}
    if result.thinking:
        final["thinking"] = result.thinking
    if body.get("stream", True):
        return ndjson_reply(_generate_parts(final, result, fail_stream))
    return json_reply({**final, "response": result.text})


def embed(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    require(body, "model", "input")
    texts = embedding_inputs(body["input"])
    dimensions = dimensions_of(body)
    tokens = max(1, count_tokens(*texts))
    return json_reply(
        {
            "model": str(body["model"]),
            "embeddings": [fake_vector(text, dimensions) for text in texts],
            "total_duration": _LOAD_NS + tokens * 1_000_000,
            "load_duration": _LOAD_NS,
            "prompt_eval_count": tokens,
        }
    )


def embeddings(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    """The legacy single-prompt embeddings endpoint."""
    body = request.json
    require(body, "model")
    return json_reply({"embedding": fake_vector(str(body.get("prompt") or ""))})


def show(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    """Model info; litellm's ollama provider asks for it before chatting."""
    details = {"format": "gguf", "family": "llama", "parameter_size": "1B"}
    return json_reply(
        {
            "modelfile": "",
            "parameters": "",
            "template": "",
            "details": details,
            "model_info": {"general.architecture": "llama", "llama.context_length": 8192},
            "capabilities": ["completion", "tools", "thinking"],
        }
    )


def tags(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    return json_reply({"models": []})


def version(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    return json_reply({"version": "0.0.0-fake"})


def _turn(
    body: dict[str, Any],
    *,
    prompt: str,
    tool_result: str | None = None,
    tools: tuple[Tool, ...] = (),
) -> Turn:
    options = body.get("options") or {}
    num_predict = options.get("num_predict")
    stop = options.get("stop") or ()
    response_format = body.get("format")
    return Turn(
        prompt=prompt,
        tool_result=tool_result,
        tools=tools,
        schema=response_format if isinstance(response_format, dict) else None,
        json_mode=response_format == "json",
        # Ollama treats a negative num_predict as "no limit".
        max_tokens=num_predict if isinstance(num_predict, int) and num_predict >= 0 else None,
        stop=tuple(s for s in ([stop] if isinstance(stop, str) else stop) if isinstance(s, str)),
        thinking=body.get("think") not in (None, False),
    )


def _final(model: str, result: Answer, input_tokens: int) -> dict[str, Any]:
    """The fields of the last (done) part; durations are in nanoseconds."""
    prompt_ns = input_tokens * 1_000_000
    eval_ns = result.output_tokens * 10_000_000
    return {
        "model": model,
        "created_at": CREATED_ISO,
        "done": True,
        "done_reason": "length" if result.finish == "length" else "stop",
        "total_duration": _LOAD_NS + prompt_ns + eval_ns,
        "load_duration": _LOAD_NS,
        "prompt_eval_count": input_tokens,
        "prompt_eval_duration": prompt_ns,
        "eval_count": result.output_tokens,
        "eval_duration": eval_ns,
    }


def _broken() -> dict[str, Any]:
    return error_body("ollama", 500, "The stream broke (fake error requested)")


def _chat_parts(
    final: dict[str, Any], message: dict[str, Any], result: Answer, fail: bool
) -> Iterator[dict[str, Any]]:
    head = {"model": final["model"], "created_at": final["created_at"], "done": False}
    parts = [
        {"role": "assistant", "content": "", "thinking": p} for p in split_pieces(result.thinking)
    ]
    if result.tool_call is not None:
        parts.append({"role": "assistant", "content": "", "tool_calls": message["tool_calls"]})
    parts.extend({"role": "assistant", "content": p} for p in result.pieces)
    for part in parts:
        yield {**head, "message": part}
        if fail:  # the stream breaks after its first piece
            yield _broken()
            return
    if fail:
        yield _broken()
        return
    yield {**final, "message": {"role": "assistant", "content": ""}}


def _generate_parts(final: dict[str, Any], result: Answer, fail: bool) -> Iterator[dict[str, Any]]:
    head = {"model": final["model"], "created_at": final["created_at"], "done": False}
    parts = [{"response": "", "thinking": p} for p in split_pieces(result.thinking)]
    parts.extend({"response": p} for p in result.pieces)
    for part in parts:
        yield {**head, **part}
        if fail:  # the stream breaks after its first piece
            yield _broken()
            return
    if fail:
        yield _broken()
        return
    yield {**{k: v for k, v in final.items() if k != "thinking"}, "response": ""}
