"""Errors of the OTLP bridge."""

from __future__ import annotations

from spanscope.exceptions import InvalidArgumentError, SpanscopeError

__all__ = ["OtlpDecodeError", "OtlpExportError"]


class OtlpDecodeError(InvalidArgumentError):
    """A body that is not an OTLP/HTTP trace export request.

    `http_status` is the status a server should answer with: 400 (malformed), 413 (too large)
    or 415 (unsupported content type or encoding).
    """

    def __init__(self, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.http_status = http_status


class OtlpExportError(SpanscopeError):
    """An export the OTLP endpoint refused, or that still failed when the retries ran out.

    `status_code` is the last HTTP status (None when the endpoint was not reached) and
    `retry_after_s` what its last Retry-After asked for.
    """

    def __init__(
        self, message: str, status_code: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.retry_after_s = retry_after_s
