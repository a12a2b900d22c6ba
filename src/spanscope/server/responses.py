"""JSON responses rendered with orjson, and the error bodies of the API.

Every error the server answers has the body `{"error": {"code": ..., "message": ...}}` (a 422
adds `detail`, one entry per invalid field), and no error body echoes the request: a 422 names
the field and what was wrong with it, never the value sent.
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from spanscope.exceptions import (
    AlreadyExistsError,
    InvalidArgumentError,
    InvalidFilterError,
    NotFoundError,
    SpanscopeError,
    StorageUnavailableError,
)
from spanscope.server.failures import Failure, classify, reason
from spanscope.server.schemas import ErrorBody, ValidationErrorBody

__all__ = [
    "DEFAULT_RETRY_AFTER_S",
    "ERROR_RESPONSES",
    "Json",
    "code_for_status",
    "error_response",
    "http_exception_handler",
    "spanscope_error_handler",
    "unexpected_error_response",
    "validation_error_handler",
]

logger = logging.getLogger("spanscope.server")

# Retry-After of a 503 when the store did not say how long to wait.
DEFAULT_RETRY_AFTER_S = 2
# A 422 lists at most this many invalid fields (a batch of 10,000 bad spans is one error).
_MAX_VALIDATION_ERRORS = 20
_MAX_LOC_PART = 100
_MAX_MESSAGE = 500

_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "ALREADY_EXISTS",
    413: "TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "INVALID_REQUEST",
    500: "INTERNAL",
    503: "STORAGE_UNAVAILABLE",
}


class Json(Response):
    """A JSON response; handlers build plain dicts, skipping response-model validation."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def code_for_status(status: int) -> str:
    return _CODES.get(status, f"HTTP_{status}")


def error_response(
    status: int,
    code: str,
    message: str,
    position: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Json:
    detail: dict[str, Any] = {"code": code, "message": message}
    if position is not None:
        detail["position"] = position
    return Json({"error": detail}, status_code=status, headers=headers)


async def spanscope_error_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, StorageUnavailableError):
        return _unavailable(request, _clip(str(exc)), exc.retry_after_s)
    if isinstance(exc, InvalidFilterError):
        return error_response(400, "INVALID_FILTER", str(exc), exc.position)
    if isinstance(exc, NotFoundError):
        return error_response(404, "NOT_FOUND", str(exc))
    if isinstance(exc, AlreadyExistsError):
        return error_response(409, "ALREADY_EXISTS", str(exc))
    if isinstance(exc, InvalidArgumentError):
        # Some carry their own status (an OTLP body too large: 413, of the wrong type: 415).
        status = getattr(exc, "http_status", 400)
        code = "INVALID_ARGUMENT" if status == 400 else code_for_status(status)
        return error_response(status, code, str(exc))
    assert isinstance(exc, SpanscopeError)
    return error_response(400, "BAD_REQUEST", str(exc))


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """A 422 that says where and what was wrong, without the values sent (FastAPI's own
    handler echoes each invalid value, which for a large body is most of the body)."""
    assert isinstance(exc, RequestValidationError)
    errors: Sequence[Any] = exc.errors()
    detail = [_validation_entry(e) for e in errors[:_MAX_VALIDATION_ERRORS]]
    shown = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in detail[:3]]
    message = "; ".join(shown) or "the request is invalid"
    if len(errors) > len(shown):
        message += f" (and {len(errors) - len(shown)} more)"
    body = {"error": {"code": "INVALID_REQUEST", "message": message}, "detail": detail}
    return Json(body, status_code=422)


def _validation_entry(error: Any) -> dict[str, Any]:
    loc = [
        part if isinstance(part, int) else _clip(str(part), _MAX_LOC_PART)
        for part in error.get("loc", ())
    ]
    message = str(error.get("msg", ""))
    context = error.get("ctx") or {}
    parser_reason = context.get("error")  # the parser's reason, not the text
    if isinstance(parser_reason, str) and error.get("type") == "json_invalid":
        message = message if parser_reason in message else f"{message}: {parser_reason}"
    return {"loc": loc, "msg": _clip(message), "type": str(error.get("type", ""))}


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown path 404, wrong method 405) in the API's error shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304) or exc.status_code < 400:
        return Response(status_code=exc.status_code, headers=exc.headers)
    message = exc.detail if isinstance(exc.detail, str) else "the request was refused"
    status = exc.status_code
    return error_response(status, code_for_status(status), _clip(message), headers=exc.headers)


def unexpected_error_response(request: Request, exc: BaseException) -> Response:
    """What a route let through: 503 with Retry-After for a storage failure, 400 for a
    request the database refused, else a JSON 500 (see `failures.classify`).

    No message holds the request or SQL: SQLAlchemy's messages quote the statement and its
    parameters, so only the driver's own first line (or the OS error) is shown, and a 500
    says only where to look in the server's log.
    """
    failure = classify(exc)
    if failure is Failure.UNAVAILABLE:
        retry = exc.retry_after_s if isinstance(exc, StorageUnavailableError) else None
        return _unavailable(request, f"the store is unavailable ({reason(exc)})", retry)
    if failure is Failure.TOO_COMPLEX:
        logger.warning("%s %s: %s", request.method, request.url.path, reason(exc))
        return error_response(
            400,
            "INVALID_ARGUMENT",
            f"the request is beyond a limit of the store ({reason(exc)}): make it smaller "
            "(fewer filter terms, shorter values)",
        )
    if failure is Failure.REFUSED_VALUE:
        # The database's message may quote the value: logged, not answered.
        logger.warning("%s %s: %s", request.method, request.url.path, reason(exc))
        return error_response(
            400,
            "INVALID_ARGUMENT",
            "the store cannot hold a value of this request (for example a NUL character, "
            "which PostgreSQL text cannot hold, or a number out of its range)",
        )
    error_id = uuid.uuid4().hex[:12]
    logger.error(
        "unexpected error on %s %s (error id %s)",
        request.method,
        request.url.path,
        error_id,
        exc_info=exc,
    )
    return error_response(
        500,
        "INTERNAL",
        f"internal server error (error id {error_id}; the server's log has the details)",
    )


def _unavailable(request: Request, message: str, retry_after_s: float | None) -> Response:
    seconds = DEFAULT_RETRY_AFTER_S if retry_after_s is None else max(1, math.ceil(retry_after_s))
    logger.warning("%s %s: %s", request.method, request.url.path, message)
    return error_response(
        503,
        "STORAGE_UNAVAILABLE",
        f"{message}; nothing was stored, retry after {seconds} s",
        headers={"retry-after": str(seconds)},
    )


def _clip(text: str, limit: int = _MAX_MESSAGE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorBody,
        "description": "Bad input (e.g. a malformed filter, with its position)",
    },
    401: {"model": ErrorBody, "description": "Missing or wrong token"},
    404: {"model": ErrorBody, "description": "Unknown experiment or trace"},
    413: {
        "model": ErrorBody,
        "description": "Body over the server's size limit, once decompressed",
    },
    415: {
        "model": ErrorBody,
        "description": "Content type other than application/json (or an unsupported "
        "Content-Encoding)",
    },
    422: {
        "model": ValidationErrorBody,
        "description": "A field failed validation: where and why, without the values sent",
    },
    503: {
        "model": ErrorBody,
        "description": "The store is unavailable (database down, disk full): nothing was "
        "stored; retry after the Retry-After header's seconds",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before retrying",
                "schema": {"type": "integer"},
            }
        },
    },
}
