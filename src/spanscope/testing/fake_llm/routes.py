"""Which endpoint answers which path, and the failures applied before it runs."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from spanscope.testing.fake_llm import (
    anthropic_messages,
    bedrock,
    cohere,
    embeddings,
    gemini,
    groq,
    mistral,
    ollama_api,
    openai_chat,
    openai_responses,
)
from spanscope.testing.fake_llm.errors import Provider, error_reply, requested_failure
from spanscope.testing.fake_llm.state import ServerState
from spanscope.testing.fake_llm.wire import BadRequest, RecordedRequest, Reply, text_reply

__all__ = ["handle"]

Endpoint = Callable[[RecordedRequest, ServerState, bool], Reply]
"""(request, state, whether the stream must break midway) -> reply."""


@dataclass(frozen=True)
class _Route:
    provider: Provider
    endpoint: Endpoint
    can_fail: bool = True
    """False for probes (model info), so queued failures reach the calls a test is about."""


def _openai(endpoint: Endpoint, *paths: str) -> dict[str, _Route]:
    # The SDKs post to /v1/...; some OpenAI-compatible clients leave out the /v1.
    return {p: _Route("openai", endpoint) for path in paths for p in (f"/v1{path}", path)}


_POST: dict[str, _Route] = {
    **_openai(openai_chat.chat_completions, "/chat/completions"),
    **_openai(openai_chat.completions, "/completions"),
    **_openai(openai_responses.responses, "/responses"),
    **_openai(embeddings.openai_embeddings, "/embeddings"),
    "/v1/messages": _Route("anthropic", anthropic_messages.messages),
    "/v1/messages/count_tokens": _Route("anthropic", anthropic_messages.count_message_tokens),
    "/v2/chat": _Route("cohere", cohere.chat),
    "/v2/embed": _Route("cohere", cohere.embed),
    "/v2/rerank": _Route("cohere", cohere.rerank),
    f"{mistral.PREFIX}/v1/chat/completions": _Route("mistral", mistral.chat_completions),
    f"{mistral.PREFIX}/v1/embeddings": _Route("mistral", mistral.embeddings),
    f"{groq.PREFIX}/v1/chat/completions": _Route("groq", groq.chat_completions),
    "/api/chat": _Route("ollama", ollama_api.chat),
    "/api/generate": _Route("ollama", ollama_api.generate),
    "/api/embed": _Route("ollama", ollama_api.embed),
    "/api/embeddings": _Route("ollama", ollama_api.embeddings),
    "/api/show": _Route("ollama", ollama_api.show, can_fail=False),
}
_GET: dict[str, _Route] = {
    "/api/tags": _Route("ollama", ollama_api.tags, can_fail=False),
    "/api/version": _Route("ollama", ollama_api.version, can_fail=False),
}

READY_TEXT = "spanscope fake LLM server is running"


def _provider_of(path: str) -> Provider:
    if path.startswith("/api/"):
        return "ollama"
    if path.startswith("/v2/"):
        return "cohere"
    if path.startswith("/model/"):
        return "bedrock"
    if path.startswith(f"{mistral.PREFIX}/"):
        return "mistral"
    if path.startswith(f"{groq.PREFIX}/"):
        return "groq"
    if path.startswith(("/v1beta/", "/v1alpha/")) or gemini.ENDPOINT.fullmatch(path):
        return "gemini"
    return "anthropic" if path.startswith("/v1/messages") else "openai"


def _route(method: str, path: str) -> _Route | None:
    if method in ("GET", "HEAD"):
        return _GET.get(path)
    route = _POST.get(path)
    if route is None:
        # Gemini names the model in the path: /v1beta/models/{model}:{method}.
        match = gemini.ENDPOINT.fullmatch(path)
        endpoint = gemini.METHODS.get(match.group(2)) if match else None
        if endpoint is not None:
            route = _Route("gemini", endpoint)
    if route is None:
        # Bedrock too: /model/{modelId}/converse.
        found = bedrock.ENDPOINT.fullmatch(path)
        if found is not None:
            route = _Route("bedrock", bedrock.METHODS[found.group(2)])
    return route


def handle(request: RecordedRequest, state: ServerState) -> Reply:
    """Record the request and answer it (never raises: a bug in the fake becomes a 500)."""
    state.record(request)
    path = request.path.rstrip("/") or "/"
    if path == "/" and request.method in ("GET", "HEAD"):
        return text_reply(READY_TEXT)  # a readiness probe for other processes
    route = _route(request.method, path)
    if route is None:
        message = f"Unknown route: {request.method} {request.path}"
        return error_reply(_provider_of(path), 404, message)
    if request.raw_body.strip() and request.body is None:
        return error_reply(route.provider, 400, "The request body is not valid JSON.")
    failure = requested_failure(request, state) if route.can_fail else None
    if isinstance(failure, int):
        return error_reply(route.provider, failure)
    try:
        return route.endpoint(request, state, failure == "stream")
    except BadRequest as exc:
        return error_reply(route.provider, 400, str(exc))
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        return error_reply(route.provider, 500, f"The fake LLM server failed: {exc!r}")
