"""The Gemini API (`google-genai`, Gemini Developer API mode): generate, stream and embed.

    POST /v1beta/models/{model}:generateContent
    POST /v1beta/models/{model}:streamGenerateContent?alt=sse   (SSE of response chunks)
    POST /v1beta/models/{model}:embedContent
    POST /v1beta/models/{model}:batchEmbedContents
    POST /v1beta/models/{model}:countTokens

Requests use Gemini's own shapes: `contents` of `{"role": "user" | "model", "parts"}`, a
`systemInstruction`, `tools[].functionDeclarations` (schemas with upper-case OpenAPI types or
`parametersJsonSchema`), `toolConfig.functionCallingConfig` and `generationConfig`. A reply
calls an offered function with a `functionCall` part; a `functionResponse` part at the end of
the conversation is a tool result, answered with text.
"""

from __future__ import annotations

import json
import re
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
from spanscope.testing.fake_llm.errors import error_body
from spanscope.testing.fake_llm.state import ServerState
from spanscope.testing.fake_llm.wire import (
    BadRequest,
    RecordedRequest,
    Reply,
    json_reply,
    sse_reply,
)

__all__ = ["ENDPOINT", "METHODS", "model_in_path"]

ENDPOINT = re.compile(r"/(?:v1|v1beta|v1alpha)/((?:models|tunedModels)/[^:/]+):(\w+)")
"""A Gemini API method path: (resource name of the model, method)."""

RESPONSE_ID = "fake-gemini-response"
_EMBEDDING_DIMENSIONS = 16
_FINISH = {"stop": "STOP", "stop_sequence": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"}


def model_in_path(path: str) -> str | None:
    """The model id a Gemini method path names (`gemini-x` of `/v1beta/models/gemini-x:...`)."""
    match = ENDPOINT.fullmatch(path)
    return match.group(1).split("/", 1)[1] if match else None


def _model(request: RecordedRequest) -> str:
    model = model_in_path(request.path)
    if model is None:  # routes only send matching paths here
        raise BadRequest(f"not a Gemini model method: {request.path}")
    return model


# -- generateContent ------------------------------------------------------------------------


def generate_content(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    return _generate(request, state, stream=False, fail=False)


def stream_generate_content(
    request: RecordedRequest, state: ServerState, fail_stream: bool
) -> Reply:
    if request.query.get("alt") != "sse":
        raise BadRequest("the fake Gemini API streams server-sent events only (alt=sse)")
    return _generate(request, state, stream=True, fail=fail_stream)


def _generate(request: RecordedRequest, state: ServerState, stream: bool, fail: bool) -> Reply:
    body = request.json
    contents = _contents(body)
    model = _model(request)
    result = answer(_turn(body, contents), state.reply)
    prompt_tokens = max(1, _prompt_tokens(body, contents))
    if stream:
        return sse_reply(_chunks(model, result, prompt_tokens, fail))
    parts = _thought_parts(result) + _answer_parts(result)
    return json_reply(_response(model, parts, result, _usage(prompt_tokens, result)))


def _contents(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise BadRequest("* GenerateContentRequest.contents: contents is not specified")
    return [c for c in contents if isinstance(c, dict)]


def _get(mapping: Mapping[str, Any], name: str) -> Any:
    """`mapping[name]` by its JSON (lowerCamel) or proto (snake_case) name: the API reads both,
    and the SDK sends some fields in the second form."""
    if name in mapping:
        return mapping[name]
    return mapping.get(re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())


def _function_response(part: Mapping[str, Any]) -> dict[str, Any] | None:
    response = _get(part, "functionResponse")
    return response if isinstance(response, dict) else None


def _parts(content: Any) -> list[dict[str, Any]]:
    parts = content.get("parts") if isinstance(content, dict) else None
    return [p for p in parts or [] if isinstance(p, dict)]


def _turn(body: Mapping[str, Any], contents: list[dict[str, Any]]) -> Turn:
    prompts = [
        text_of([p for p in _parts(c) if "text" in p and not p.get("thought")])
        for c in contents
        if c.get("role", "user") == "user"
    ]
    prompts = [text for text in prompts if text]
    results = [r for r in map(_function_response, _parts(contents[-1])) if r is not None]
    config = _get(body, "generationConfig") or {}
    schema = _get(config, "responseJsonSchema") or _get(config, "responseSchema")
    calling = _get(_get(body, "toolConfig") or {}, "functionCallingConfig") or {}
    return Turn(
        prompt=prompts[-1] if prompts else "",
        tool_result=_result_text(results[-1].get("response")) if results else None,
        tools=_tools(body),
        tool_choice=_tool_choice(calling),
        schema=json_schema(schema) if isinstance(schema, dict) else None,
        json_mode=_get(config, "responseMimeType") == "application/json",
        max_tokens=_int(config, "maxOutputTokens"),
        stop=tuple(s for s in _get(config, "stopSequences") or () if isinstance(s, str)),
        thinking=bool(_get(_get(config, "thinkingConfig") or {}, "includeThoughts")),
    )


def _int(config: Mapping[str, Any], name: str) -> int | None:
    value = config.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise BadRequest(f"generationConfig.{name} must be an integer, got {value!r}")
    return value


def _result_text(response: Any) -> str:
    # The SDK wraps a function's return value as {"result": value} (or {"error": ...}).
    if isinstance(response, dict) and len(response) == 1:
        (value,) = response.values()
        if isinstance(value, str):
            return value
    return json.dumps(response, sort_keys=True)


def _tools(body: Mapping[str, Any]) -> tuple[Tool, ...]:
    tools = []
    for tool in body.get("tools") or []:
        for declaration in _get(tool or {}, "functionDeclarations") or []:
            if not isinstance(declaration, dict) or "name" not in declaration:
                continue
            schema = _get(declaration, "parametersJsonSchema") or declaration.get("parameters")
            tools.append(Tool(str(declaration["name"]), json_schema(schema) if schema else {}))
    return tuple(tools)


def _tool_choice(calling: Mapping[str, Any]) -> str | None:
    mode = str(calling.get("mode") or "AUTO").upper()
    if mode == "NONE":
        return "none"
    if mode in ("ANY", "VALIDATED"):
        allowed = _get(calling, "allowedFunctionNames") or []
        return str(allowed[0]) if len(allowed) == 1 else "required"
    return None


def json_schema(schema: Any) -> Any:
    """A Gemini `Schema` (OpenAPI subset, upper-case `type`) as JSON schema; JSON schemas stay."""
    if isinstance(schema, list):
        return [json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: json_schema(value) for key, value in schema.items()}
    kind = converted.get("type")
    if isinstance(kind, str):
        converted["type"] = kind.lower()
    if isinstance(schema.get("properties"), dict):
        converted["properties"] = {
            name: json_schema(sub) for name, sub in schema["properties"].items()
        }
    return converted


def _prompt_tokens(body: Mapping[str, Any], contents: list[dict[str, Any]]) -> int:
    texts = [text_of(_parts(_get(body, "systemInstruction")))]
    for content in contents:
        for part in _parts(content):
            call, response = _get(part, "functionCall"), _function_response(part)
            if "text" in part:
                texts.append(str(part["text"]))
            elif isinstance(call, dict):
                texts.append(json.dumps(call.get("args")))
            elif response is not None:
                texts.append(json.dumps(response.get("response")))
    return count_tokens(*texts)


def _thought_parts(result: Answer) -> list[dict[str, Any]]:
    return [{"text": result.thinking, "thought": True}] if result.thinking else []


def _answer_parts(result: Answer) -> list[dict[str, Any]]:
    if result.tool_call is not None:
        call = {"name": result.tool_call.name, "args": result.tool_call.args}
        return [{"functionCall": call}]
    return [{"text": result.text}]


def _usage(prompt_tokens: int, result: Answer, output: bool = True) -> dict[str, Any]:
    """usageMetadata: thoughts are counted apart from the candidates, both in the total."""
    thoughts = count_tokens(result.thinking)
    candidates = result.output_tokens - thoughts if output else 0
    usage: dict[str, Any] = {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": candidates,
        "totalTokenCount": prompt_tokens + candidates + (thoughts if output else 0),
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
    }
    if thoughts and output:
        usage["thoughtsTokenCount"] = thoughts
    if not output:
        del usage["candidatesTokenCount"]
    return usage


def _response(
    model: str, parts: list[dict[str, Any]], result: Answer | None, usage: dict[str, Any]
) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
    if result is not None:
        candidate["finishReason"] = _FINISH[result.finish]
    return {
        "candidates": [candidate],
        "usageMetadata": usage,
        "modelVersion": model,
        "responseId": RESPONSE_ID,
    }


def _chunks(model: str, result: Answer, prompt_tokens: int, fail: bool) -> Iterator[Any]:
    """The answer in chunks: thoughts, then one chunk per text piece (a function call whole);
    the last one has the finish reason and the final usage, the others the prompt's."""
    pieces: list[list[dict[str, Any]]] = [
        [{"text": p, "thought": True}] for p in split_pieces(result.thinking)
    ]
    if result.tool_call is not None:
        pieces.append(_answer_parts(result))
    else:
        pieces.extend([{"text": p}] for p in split_pieces(result.text) or [""])
    for number, parts in enumerate(pieces):
        last = number == len(pieces) - 1 and not fail
        usage = _usage(prompt_tokens, result, output=last)
        yield None, _response(model, parts, result if last else None, usage)
        if fail:  # the stream breaks after its first chunk
            yield None, error_body("gemini", 503, "The model is overloaded.")
            return


# -- embeddings -----------------------------------------------------------------------------


def embed_content(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    vector = _embedding(body)
    return json_reply({"embedding": vector})


def batch_embed_contents(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    requests = request.json.get("requests")
    if not isinstance(requests, list) or not requests:
        raise BadRequest("* BatchEmbedContentsRequest.requests: requests is not specified")
    embeddings = [_embedding(item if isinstance(item, dict) else {}) for item in requests]
    texts = [text_of(_parts(item.get("content"))) for item in requests if isinstance(item, dict)]
    tokens = max(1, count_tokens(*texts))
    usage = {"promptTokenCount": tokens, "totalTokenCount": tokens}
    return json_reply({"embeddings": embeddings, "usageMetadata": usage})


def _embedding(body: Mapping[str, Any]) -> dict[str, Any]:
    content = body.get("content")
    if not isinstance(content, dict):
        raise BadRequest("* EmbedContentRequest.content: content is not specified")
    dimensions = _get(body, "outputDimensionality") or _EMBEDDING_DIMENSIONS
    if not isinstance(dimensions, int) or not 1 <= dimensions <= 4096:
        raise BadRequest(f"outputDimensionality must be 1 to 4096, got {dimensions!r}")
    return {"values": fake_vector(text_of(_parts(content)), dimensions)}


# -- countTokens ----------------------------------------------------------------------------


def count_content_tokens(request: RecordedRequest, state: ServerState, fail_stream: bool) -> Reply:
    body = request.json
    contents = _contents(body)
    return json_reply({"totalTokens": max(1, _prompt_tokens(body, contents))})


METHODS = {
    "generateContent": generate_content,
    "streamGenerateContent": stream_generate_content,
    "embedContent": embed_content,
    "batchEmbedContents": batch_embed_contents,
    "countTokens": count_content_tokens,
}
"""Endpoints by Gemini method name (the part after the colon)."""
