"""The Cohere API v2 (`cohere.ClientV2`): chat (JSON and SSE streams), embed and rerank.

    POST /v2/chat     {"model", "messages", "tools", "tool_choice", "stream", ...}
    POST /v2/embed    {"model", "texts", "input_type", "embedding_types", ...}
    POST /v2/rerank   {"model", "query", "documents", "top_n"}

Messages use Cohere's shape: roles `system`, `user`, `assistant` (with `tool_calls` and a
`tool_plan`) and `tool` (a `tool_call_id` and the result as `content`); tools are
`{"type": "function", "function": {"name", "description", "parameters"}}`. A reply calls an
offered tool (a tool plan, then the call); a conversation ending with tool results is answered
with text. A stream is server-sent events with the type in the data: message-start,
content-start / -delta / -end (or tool-plan-delta and tool-call-start / -delta / -end),
message-end with the finish reason and usage. Usage is reported twice, as the API does:
`tokens` (what the model saw) and `billed_units` (equal here).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from spanscope.testing.fake_llm.conversation import (
    Answer,
    Tool,
    Turn,
    answer,
    count_tokens,
    split_pieces,
    text_of,
)
from spanscope.testing.fake_llm.embeddings import fake_vector
from spanscope.testing.fake_llm.state import ServerState
from spanscope.testing.fake_llm.wire import (
    BadRequest,
    RecordedRequest,
    Reply,
    json_reply,
    require,
    sse_reply,
)

__all__ = ["TOOL_CALL_ID", "chat", "embed", "rerank"]

RESPONSE_ID = "fake-cohere-response"
TOOL_CALL_ID = "get_weather_fake0"
"""The id of a fake tool call is `<tool name>_fake0`; this is the one of `get_weather`."""
_DIMENSIONS = 16
_FINISH = {
    "stop": "COMPLETE",
    "stop_sequence": "STOP_SEQUENCE",
    "length": "MAX_TOKENS",
    "tool_calls": "TOOL_CALL",
}


# -- chat -------------------------------------------------------------------------------------


def chat(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    require(body, "model", "messages")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise BadRequest("invalid request: messages must not be empty")
    messages = [m for m in messages if isinstance(m, dict)]
    result = answer(_turn(body, messages), state.reply)
    input_tokens = max(1, _prompt_tokens(body, messages))
    usage = _usage(input_tokens, result.output_tokens)
    if body.get("stream"):
        return sse_reply(_events(result, usage, fail_stream))
    return json_reply(
        {
            "id": RESPONSE_ID,
            "finish_reason": _FINISH[result.finish],
            "message": _message(result),
            "usage": usage,
        }
    )


def _turn(body: Mapping[str, Any], messages: list[dict[str, Any]]) -> Turn:
    users = [m for m in messages if m.get("role") == "user"]
    results: list[str] = []
    for message in reversed(messages):  # the tool results that end the conversation
        if message.get("role") != "tool":
            break
        results.insert(0, text_of(message.get("content")))
    response_format = body.get("response_format") or {}
    schema = response_format.get("json_schema") if isinstance(response_format, dict) else None
    stop = body.get("stop_sequences") or ()
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int)):
        raise BadRequest(f"invalid request: max_tokens must be an integer, got {max_tokens!r}")
    thinking = body.get("thinking") or {}
    return Turn(
        prompt=text_of(users[-1].get("content")) if users else "",
        tool_result=" ".join(results) if results else None,
        tools=_tools(body),
        tool_choice=_tool_choice(body.get("tool_choice")),
        schema=schema if isinstance(schema, dict) else None,
        json_mode=isinstance(response_format, dict)
        and response_format.get("type") == "json_object",
        max_tokens=max_tokens,
        stop=tuple(s for s in stop if isinstance(s, str)),
        thinking=isinstance(thinking, dict) and thinking.get("type") == "enabled",
    )


def _tools(body: Mapping[str, Any]) -> tuple[Tool, ...]:
    tools = []
    for tool in body.get("tools") or []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and "name" in function:
            tools.append(Tool(str(function["name"]), function.get("parameters") or {}))
    return tuple(tools)


def _tool_choice(choice: Any) -> str | None:
    if choice is None:
        return None
    if choice == "REQUIRED":
        return "required"
    if choice == "NONE":
        return "none"
    raise BadRequest(f"invalid request: tool_choice must be REQUIRED or NONE, got {choice!r}")


def _prompt_tokens(body: Mapping[str, Any], messages: list[dict[str, Any]]) -> int:
    texts = []
    for message in messages:
        texts.append(text_of(message.get("content")))
        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                texts.append(str(function.get("arguments") or ""))
    return count_tokens(*texts)


def _usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    counts = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    return {"billed_units": dict(counts), "tokens": dict(counts), "cached_tokens": 0}


def _plan(result: Answer) -> str:
    assert result.tool_call is not None
    return f"I will call {result.tool_call.name}."


def _call_id(result: Answer) -> str:
    assert result.tool_call is not None
    return f"{result.tool_call.name}_fake0"


def _message(result: Answer) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant"}
    content: list[dict[str, Any]] = []
    if result.thinking:
        content.append({"type": "thinking", "thinking": result.thinking})
    if result.tool_call is not None:
        message["tool_plan"] = _plan(result)
        message["tool_calls"] = [
            {
                "id": _call_id(result),
                "type": "function",
                "function": {
                    "name": result.tool_call.name,
                    "arguments": result.tool_call.arguments,
                },
            }
        ]
    else:
        content.append({"type": "text", "text": result.text})
    if content:
        message["content"] = content
    return message


def _event(kind: str, **fields: Any) -> tuple[None, dict[str, Any]]:
    # Cohere names the event inside the data (`type`); the SSE `event:` line is not sent.
    return None, {"type": kind, **fields}


def _events(result: Answer, usage: dict[str, Any], fail: bool) -> Iterator[Any]:
    """The answer as Cohere's stream events; with `fail`, the connection is cut after the
    first delta (a dropped connection: the SDK raises from the stream)."""
    start = {"role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}
    yield _event("message-start", id=RESPONSE_ID, delta={"message": start})
    index = 0
    if result.thinking:
        yield from _content(index, "thinking", split_pieces(result.thinking), fail)
        if fail:
            return
        index += 1
    if result.tool_call is not None:
        for piece in split_pieces(_plan(result)):
            yield _event("tool-plan-delta", delta={"message": {"tool_plan": piece}})
            if fail:
                raise ConnectionError("the stream breaks (fake failure requested)")
        call = {
            "id": _call_id(result),
            "type": "function",
            "function": {"name": result.tool_call.name, "arguments": ""},
        }
        yield _event("tool-call-start", index=0, delta={"message": {"tool_calls": call}})
        for piece in split_pieces(result.tool_call.arguments):
            arguments = {"function": {"arguments": piece}}
            yield _event("tool-call-delta", index=0, delta={"message": {"tool_calls": arguments}})
        yield _event("tool-call-end", index=0)
    else:
        yield from _content(index, "text", split_pieces(result.text) or [""], fail)
        if fail:
            return
    end = {"finish_reason": _FINISH[result.finish], "usage": usage}
    yield _event("message-end", delta=end)


def _content(index: int, kind: str, pieces: list[str], fail: bool) -> Iterator[Any]:
    empty = {"content": {"type": kind, kind: ""}}
    yield _event("content-start", index=index, delta={"message": empty})
    for piece in pieces:
        delta = {"content": {kind: piece}}
        yield _event("content-delta", index=index, delta={"message": delta})
        if fail:
            # Cutting the connection mid-body is how a real stream breaks; the handler ends
            # the response without its last chunk.
            raise ConnectionError("the stream breaks (fake failure requested)")
    yield _event("content-end", index=index)


# -- embed ------------------------------------------------------------------------------------


def embed(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    require(body, "model")
    texts = body.get("texts")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts) or not texts:
        raise BadRequest("invalid request: texts must be a non-empty list of strings")
    kinds = body.get("embedding_types") or ["float"]
    dimensions = body.get("output_dimension") or _DIMENSIONS
    if not isinstance(dimensions, int) or not 1 <= dimensions <= 4096:
        raise BadRequest(f"invalid request: output_dimension must be 1 to 4096, got {dimensions!r}")
    vectors = [fake_vector(text, dimensions) for text in texts]
    embeddings: dict[str, Any] = {}
    for kind in kinds:
        if kind == "float":
            embeddings[kind] = vectors
        elif kind in ("int8", "uint8"):
            shift = 0 if kind == "int8" else 128
            embeddings[kind] = [[round(v * 127) + shift for v in vector] for vector in vectors]
        else:
            raise BadRequest(f"invalid request: embedding type {kind!r} is not supported")
    tokens = max(1, count_tokens(*texts))
    return json_reply(
        {
            "id": RESPONSE_ID,
            "response_type": "embeddings_by_type",
            "embeddings": embeddings,
            "texts": texts,
            "meta": _meta({"input_tokens": tokens}),
        }
    )


def _meta(billed_units: dict[str, Any]) -> dict[str, Any]:
    return {"api_version": {"version": "2"}, "billed_units": billed_units}


# -- rerank -----------------------------------------------------------------------------------


def rerank(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    """Documents ranked by the share of the query's words they contain (ties: in order)."""
    body = request.json
    require(body, "model", "query", "documents")
    documents = body["documents"]
    if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        raise BadRequest("invalid request: documents must be a list of strings")
    words = _words(str(body["query"]))
    scores = [_score(words, document) for document in documents]
    order = sorted(range(len(documents)), key=lambda i: (-scores[i], i))
    top_n = body.get("top_n")
    if isinstance(top_n, int) and top_n > 0:
        order = order[:top_n]
    results = [{"index": i, "relevance_score": scores[i]} for i in order]
    return json_reply({"id": RESPONSE_ID, "results": results, "meta": _meta({"search_units": 1})})


def _score(words: set[str], document: str) -> float:
    if not words:
        return 0.0
    return round(len(words & _words(document)) / len(words), 4)


def _words(text: str) -> set[str]:
    return {word.strip(".,;:!?\"'()") for word in text.lower().split()} - {""}
