"""Decoding OTLP/HTTP trace export bodies (protobuf or JSON, plain, gzip or deflate)."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any, TypeVar

from google.protobuf.message import DecodeError, Message

from spanscope.otel.conventions import CONTENT_TYPE_JSON, CONTENT_TYPE_PROTOBUF
from spanscope.otel.errors import OtlpDecodeError
from spanscope.otel.otlp_json import request_from_json
from spanscope.otel.values import ExportTraceServiceRequest

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "Decompressor",
    "OtlpDecodeError",
    "decode_body",
    "decode_request",
    "decompress",
]

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
M = TypeVar("M", bound=Message)

_PROTOBUF_TYPES = frozenset({CONTENT_TYPE_PROTOBUF, "application/protobuf"})
_ACCEPTED_TYPES = f"{CONTENT_TYPE_PROTOBUF} or {CONTENT_TYPE_JSON}"
_ACCEPTED_ENCODINGS = "gzip, deflate or identity"
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS
_STEP_BYTES = 1 << 20


def decode_request(
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    max_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> ExportTraceServiceRequest:
    """Decode the body of a `POST /v1/traces`.

    `max_bytes` caps the body both as received and once decompressed (a gzip bomb stops there).
    Raises OtlpDecodeError with `http_status` 415 for an unsupported content type or encoding,
    413 for a body over the cap, and 400 for a malformed body.
    """
    return decode_body(
        body, content_type, content_encoding, max_bytes, ExportTraceServiceRequest,
        request_from_json,
    )  # fmt: skip


def decode_body(
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    max_bytes: int,
    message: type[M],
    from_json: Callable[[bytes], M],
) -> M:
    """An OTLP/HTTP body as a `message` (protobuf) or through `from_json` (OTLP/JSON), by its
    content type; the errors of `decode_request`."""
    is_json = _is_json(content_type)
    if len(body) > max_bytes:
        raise _too_large(max_bytes)
    data = decompress(body, content_encoding, max_bytes)
    if is_json:
        return from_json(data)
    request: M = message()
    try:
        request.ParseFromString(data)
    except (DecodeError, ValueError, RecursionError) as exc:
        hint = ""
        if data[:1] in (b"{", b"["):
            hint = f" (it looks like JSON: send Content-Type: {CONTENT_TYPE_JSON})"
        raise OtlpDecodeError(
            f"body is not a valid OTLP protobuf {message.__name__}{hint}: {exc}"
        ) from None
    return request


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in _PROTOBUF_TYPES:
        return False
    if media == CONTENT_TYPE_JSON:
        return True
    shown = repr(content_type) if content_type else "missing"
    raise OtlpDecodeError(f"Content-Type is {shown}; accepted are {_ACCEPTED_TYPES}", 415)


def decompress(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    """`body` decoded per its Content-Encoding, never more than `max_bytes` once decoded."""
    decompressor = Decompressor(content_encoding, max_bytes)
    data = decompressor.feed(body)
    decompressor.finish()
    return data


class Decompressor:
    """Decodes a request body as it arrives: gzip (several members allowed), deflate (zlib or
    raw) or identity, holding no more than `max_bytes` of output at any time.

    `feed(chunk)` returns the decoded bytes of the chunk; `finish()` checks the stream ended.
    Both raise OtlpDecodeError: 415 for an unsupported encoding, 413 past `max_bytes` (raw or
    decoded; a gzip bomb stops after inflating at most one byte past the cap) and 400 for data
    that is not valid, or truncated, in its encoding. The server runs every request body
    through one of these.
    """

    def __init__(self, content_encoding: str | None, max_bytes: int) -> None:
        encoding = (content_encoding or "").strip().lower()
        if encoding in ("", "identity"):
            self.name = ""
        elif encoding in ("gzip", "x-gzip"):
            self.name = "gzip"
        elif encoding == "deflate":
            self.name = "deflate"
        else:
            raise OtlpDecodeError(
                f"Content-Encoding {content_encoding!r} is not supported; accepted are "
                f"{_ACCEPTED_ENCODINGS}",
                415,
            )
        self.max_bytes = max_bytes
        self.size = 0  # decoded bytes so far
        self._inflater: Any = None
        self._done = False

    @property
    def identity(self) -> bool:
        return not self.name

    def feed(self, chunk: bytes) -> bytes:
        if self.identity:
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise _too_large(self.max_bytes)
            return chunk
        out: list[bytes] = []
        data = chunk
        while not self._done:
            if self._inflater is None or self._inflater.eof:
                if not data:
                    break
                if self._inflater is not None and self.name != "gzip":
                    self._done = True  # one deflate stream per body: what follows is ignored
                    break
                # gzip may hold several members back to back; each gets a new inflater.
                self._inflater = zlib.decompressobj(self._wbits(data))
            # Inflate in steps, never more than one byte past the cap: a bomb costs no more
            # memory than the cap.
            limit = min(self.max_bytes + 1 - self.size, _STEP_BYTES)
            try:
                piece = self._inflater.decompress(data, limit)
            except zlib.error as exc:
                raise OtlpDecodeError(f"body is not valid {self.name} data: {exc}") from None
            self.size += len(piece)
            if self.size > self.max_bytes:
                raise _too_large(self.max_bytes, decompressed=True)
            out.append(piece)
            if self._inflater.eof:
                data = self._inflater.unused_data  # the next gzip member, if any
            else:
                data = self._inflater.unconsumed_tail
                if not data and len(piece) < limit:
                    break  # all the input is taken and no output is pending
        return b"".join(out)

    def finish(self) -> None:
        if self.identity or self._done:
            return
        if self._inflater is None or not self._inflater.eof:
            raise OtlpDecodeError(f"body is truncated {self.name} data (the stream has no end)")

    def _wbits(self, data: bytes) -> int:
        if self.name == "gzip":
            return _GZIP_WBITS
        # HTTP "deflate" is zlib-wrapped, but some clients send raw deflate: accept both.
        return _ZLIB_WBITS if data[:1] == b"\x78" else _RAW_DEFLATE_WBITS


def _too_large(max_bytes: int, decompressed: bool = False) -> OtlpDecodeError:
    what = "decompressed body" if decompressed else "body"
    return OtlpDecodeError(
        f"{what} is larger than the limit of {max_bytes} bytes; send smaller batches", 413
    )
