"""OpenAI `POST /v1/responses`: a message or a function call, whole or as the SSE sequence."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
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
from spanscope.testing.fake_llm.openai_chat import openai_cached_tokens, openai_headers
from spanscope.testing.fake_llm.state import ServerState
from spanscope.testing.fake_llm.wire import (
    RecordedRequest,
    Reply,
    json_reply,
    optional_int,
    require,
    sse_reply,
)

__all__ = ["responses"]

Event = tuple[str | None, Any]

_MESSAGE_ID = "msg_fake"
_CALL_ITEM_ID = "fc_fake"


def responses(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    require(body, "model", "input")
    model = str(body["model"])
    items = _items(body["input"])
    result = answer(_turn(body, items), state.reply)
    texts = [_item_text(item) for item in items]
    instructions = text_of(body.get("instructions"))
    input_tokens = max(1, count_tokens(instructions, *texts))
    prefix_tokens = count_tokens(instructions, *texts[:-1])
    cached = openai_cached_tokens(state, model, [instructions, *items[:-1]], prefix_tokens)
    usage = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": result.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + result.output_tokens,
    }
    if body.get("stream"):
        return sse_reply(_events(body, model, result, usage, fail_stream), openai_headers())
    done = _response(body, model, [_output_item(result, done=True)], usage, result)
    return json_reply(done, headers=openai_headers())


def _items(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": value}]
    return [item for item in value or [] if isinstance(item, dict)]


def _item_text(item: dict[str, Any]) -> str:
    if item.get("type") == "function_call_output":
        return text_of(item.get("output"))
    if item.get("type") == "function_call":
        return str(item.get("arguments", ""))
    return text_of(item.get("content"))


def _turn(body: dict[str, Any], items: list[dict[str, Any]]) -> Turn:
    users = [i for i in items if i.get("role") == "user"]
    last = items[-1] if items else {}
    tools = tuple(
        Tool(str(t["name"]), t.get("parameters") or {})
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type") == "function" and "name" in t
    )
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        choice = choice.get("name")
    text_format = (body.get("text") or {}).get("format") or {}
    is_result = last.get("type") == "function_call_output"
    return Turn(
        prompt=text_of(users[-1].get("content")) if users else "",
        tool_result=text_of(last.get("output")) if is_result else None,
        tools=tools,
        tool_choice=choice if isinstance(choice, str) else None,
        schema=text_format.get("schema") or {}
        if text_format.get("type") == "json_schema"
        else None,
        json_mode=text_format.get("type") == "json_object",
        max_tokens=optional_int(body, "max_output_tokens"),
    )


def _output_item(result: Answer, *, done: bool) -> dict[str, Any]:
    """The output item: complete when `done`, else as first announced (empty)."""
    if result.tool_call is not None:
        return {
            "type": "function_call",
            "id": _CALL_ITEM_ID,
            "call_id": "call_fake_0",
            "name": result.tool_call.name,
            "arguments": result.tool_call.arguments if done else "",
            "status": "completed" if done else "in_progress",
        }
    status = ("incomplete" if result.finish == "length" else "completed") if done else "in_progress"
    return {
        "type": "message",
        "id": _MESSAGE_ID,
        "status": status,
        "role": "assistant",
        "content": [_text_part(result.text)] if done else [],
    }


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _response(
    body: dict[str, Any],
    model: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None,
    result: Answer | None,
    *,
    status: str | None = None,
    error: dict[str, Any] | None = None,
) -> dict[str, Any]:
    incomplete = result is not None and result.finish == "length"
    if status is None:
        status = "incomplete" if incomplete else "completed"
    return {
        "id": "resp_fake",
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "background": False,
        "error": error,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "metadata": body.get("metadata") or {},
        "model": model,
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": usage,
        "user": None,
    }


def _events(
    body: dict[str, Any], model: str, result: Answer, usage: dict[str, Any], fail: bool
) -> Iterator[Event]:
    numbers = itertools.count()

    def event(kind: str, **data: Any) -> Event:
        return kind, {"type": kind, "sequence_number": next(numbers), **data}

    started = _response(body, model, [], None, None, status="in_progress")
    yield event("response.created", response=started)
    yield event("response.in_progress", response=started)
    yield event("response.output_item.added", output_index=0, item=_output_item(result, done=False))
    where: dict[str, Any] = {"output_index": 0}
    if result.tool_call is not None:
        where["item_id"] = _CALL_ITEM_ID
        pieces = split_pieces(result.tool_call.arguments)
        deltas = (event("response.function_call_arguments.delta", **where, delta=p) for p in pieces)
    else:
        where.update(item_id=_MESSAGE_ID, content_index=0)
        yield event("response.content_part.added", **where, part=_text_part(""))
        deltas = (
            event("response.output_text.delta", **where, delta=p, logprobs=[])
            for p in result.pieces
        )
    for delta in deltas:
        yield delta
        if fail:  # the stream breaks after its first piece, as when the API fails midway
            break
    if fail:
        message = "The stream broke (fake error requested)"
        yield event("error", code="server_error", message=message, param=None)
        error = {"code": "server_error", "message": message}
        failed = _response(body, model, [], None, None, status="failed", error=error)
        yield event("response.failed", response=failed)
        return
    if result.tool_call is not None:
        yield event(
            "response.function_call_arguments.done", **where, arguments=result.tool_call.arguments
        )
    else:
        yield event("response.output_text.done", **where, text=result.text, logprobs=[])
        yield event("response.content_part.done", **where, part=_text_part(result.text))
    yield event("response.output_item.done", output_index=0, item=_output_item(result, done=True))
    final = _response(body, model, [_output_item(result, done=True)], usage, result)
    yield event(f"response.{final['status']}", response=final)
