"""Requested failures and each provider's error shape.

A request fails when the server has a queued failure (`FakeLLMServer.fail_next`), when its model
is named `error-<status>` or `error-stream`, or when it carries the header
`x-fake-error: <status>` or `x-fake-error: stream`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from spanscope.testing.fake_llm.state import Failure, ServerState
from spanscope.testing.fake_llm.wire import FullReply, RecordedRequest, json_reply

__all__ = [
    "Provider",
    "bedrock_error_type",
    "error_body",
    "error_reply",
    "requested_failure",
    "response_headers",
]

Provider = Literal[
    "openai", "anthropic", "ollama", "gemini", "cohere", "bedrock", "mistral", "groq"
]

_TRIGGER = re.compile(r"error-(\d{3}|stream)")
# Gemini names the model in the path: /v1beta/models/error-429:generateContent; Bedrock too:
# /model/error-429/converse.
_MODEL_IN_PATH = re.compile(r"/(?:models|tunedModels)/([^:/]+):|^/model/([^/]+)/")

_DESCRIPTIONS = {
    400: "Bad request",
    401: "Invalid API key",
    403: "Permission denied",
    404: "Not found",
    408: "Request timeout",
    409: "Conflict",
    413: "Request too large",
    422: "Unprocessable entity",
    429: "Rate limit reached",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
    529: "Overloaded",
}

# (type, code) in OpenAI's error object.
_OPENAI_TYPES: dict[int, tuple[str, str | None]] = {
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}

# google.rpc.Code names, the `status` of Google's error object.
_GOOGLE_STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# Bedrock's error codes (sent in the x-amzn-ErrorType header, which botocore reads).
_BEDROCK_TYPES = {
    400: "ValidationException",
    401: "UnrecognizedClientException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    500: "InternalServerException",
    503: "ServiceUnavailableException",
}

_ANTHROPIC_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


# The SDKs expose these as `response._request_id` / `exc.request_id`.
_REQUEST_ID_HEADERS = {
    "openai": {"x-request-id": "req_fake"},
    "anthropic": {"request-id": "req_fake"},
    "bedrock": {"x-amzn-RequestId": "00000000-0000-4000-8000-00000000fa4e"},
    "groq": {"x-request-id": "req_fake"},
}


def response_headers(provider: Provider) -> dict[str, str]:
    """The headers every response of `provider` carries (its request id)."""
    return dict(_REQUEST_ID_HEADERS.get(provider, {}))


def requested_failure(request: RecordedRequest, state: ServerState) -> Failure | None:
    """The failure this request asks for, if any (a queued one first)."""
    queued = state.take_failure()
    if queued is not None:
        return queued
    model = request.json.get("model")
    in_path = _MODEL_IN_PATH.search(request.path)
    if not isinstance(model, str) and in_path:
        model = in_path.group(1) or in_path.group(2)
    if isinstance(model, str):
        # litellm and friends may prefix the model ("openai/error-429").
        match = _TRIGGER.fullmatch(model.rsplit("/", 1)[-1])
        if match:
            return _parse(match.group(1))
    header = request.headers.get("x-fake-error", "").strip()
    if _TRIGGER.fullmatch(f"error-{header}"):
        return _parse(header)
    return None


def _parse(value: str) -> Failure:
    return value if value == "stream" else int(value)


def error_body(provider: Provider, status: int, message: str) -> dict[str, Any]:
    """The JSON error object `provider` answers with for `status`."""
    if provider == "anthropic":
        kind = _ANTHROPIC_TYPES.get(
            status, "api_error" if status >= 500 else "invalid_request_error"
        )
        return {
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": "req_fake",
        }
    if provider == "ollama":
        return {"error": message}
    if provider == "cohere":
        return {"id": "fake-cohere-error", "message": message}
    if provider == "bedrock":
        return {"message": message}
    if provider == "gemini":
        default_status = "INTERNAL" if status >= 500 else "INVALID_ARGUMENT"
        google_status = _GOOGLE_STATUSES.get(status, default_status)
        return {"error": {"code": status, "message": message, "status": google_status}}
    if provider == "mistral":  # a flat object, not wrapped in "error"
        kind = "internal_server_error" if status >= 500 else "invalid_request_error"
        return {"object": "error", "message": message, "type": kind, "param": None, "code": status}
    default = ("server_error", None) if status >= 500 else ("invalid_request_error", None)
    kind, code = _OPENAI_TYPES.get(status, default)
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def bedrock_error_type(status: int) -> str:
    """The error code Bedrock answers `status` with."""
    default = "InternalServerException" if status >= 500 else "ValidationException"
    return _BEDROCK_TYPES.get(status, default)


def error_reply(provider: Provider, status: int, message: str | None = None) -> FullReply:
    """An error response; 429 carries retry-after (and -ms, so SDK retries stay fast)."""
    if message is None:
        description = _DESCRIPTIONS.get(status, "Error")
        message = f"{description} (fake error {status} requested from the fake LLM server)"
    headers = response_headers(provider)
    if provider == "bedrock":
        headers["x-amzn-ErrorType"] = bedrock_error_type(status)
    if status == 429:
        headers.update({"retry-after": "1", "retry-after-ms": "10"})
    return json_reply(error_body(provider, status, message), status, headers)
