"""JSON responses rendered with orjson, and the error bodies of the API."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import Response

from spanscope.exceptions import (
    AlreadyExistsError,
    InvalidArgumentError,
    InvalidFilterError,
    NotFoundError,
    SpanscopeError,
)

__all__ = ["ERROR_RESPONSES", "Json", "error_response", "spanscope_error_handler"]


class Json(Response):
    """A JSON response; handlers build plain dicts, skipping response-model validation."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error_response(status: int, code: str, message: str, position: int | None = None) -> Json:
    detail: dict[str, Any] = {"code": code, "message": message}
    if position is not None:
        detail["position"] = position
    return Json({"error": detail}, status_code=status)


async def spanscope_error_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, InvalidFilterError):
        return error_response(400, "INVALID_FILTER", str(exc), exc.position)
    if isinstance(exc, NotFoundError):
        return error_response(404, "NOT_FOUND", str(exc))
    if isinstance(exc, AlreadyExistsError):
        return error_response(409, "ALREADY_EXISTS", str(exc))
    if isinstance(exc, InvalidArgumentError):
        # Some carry their own status (an OTLP body too large: 413, of the wrong type: 415).
        status = getattr(exc, "http_status", 400)
        return error_response(status, "INVALID_ARGUMENT", str(exc))
    assert isinstance(exc, SpanscopeError)
    return error_response(400, "BAD_REQUEST", str(exc))


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad input (e.g. a malformed filter, with its position)"},
    401: {"description": "Missing or wrong token"},
    404: {"description": "Unknown experiment or trace"},
    413: {"description": "Body over the server's size limit"},
}
