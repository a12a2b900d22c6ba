"""Decoding OTLP/HTTP trace export bodies (protobuf or JSON, plain, gzip or deflate)."""

from __future__ import annotations

import zlib

from google.protobuf.message import DecodeError

from spanscope.otel.conventions import CONTENT_TYPE_JSON, CONTENT_TYPE_PROTOBUF
from spanscope.otel.errors import OtlpDecodeError
from spanscope.otel.otlp_json import request_from_json
from spanscope.otel.values import ExportTraceServiceRequest

__all__ = ["DEFAULT_MAX_BODY_BYTES", "OtlpDecodeError", "decode_request"]

DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024

_PROTOBUF_TYPES = frozenset({CONTENT_TYPE_PROTOBUF, "application/protobuf"})
_ACCEPTED_TYPES = f"{CONTENT_TYPE_PROTOBUF} or {CONTENT_TYPE_JSON}"
_ACCEPTED_ENCODINGS = "gzip, deflate or identity"
_GZIP_WBITS = 16 + zlib.MAX_WBITS
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS


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
    is_json = _is_json(content_type)
    if len(body) > max_bytes:
        raise _too_large(max_bytes)
    data = _decompress(body, content_encoding, max_bytes)
    if is_json:
        return request_from_json(data)
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(data)
    except (DecodeError, ValueError, RecursionError) as exc:
        hint = ""
        if data[:1] in (b"{", b"["):
            hint = f" (it looks like JSON: send Content-Type: {CONTENT_TYPE_JSON})"
        raise OtlpDecodeError(
            f"body is not a valid OTLP protobuf ExportTraceServiceRequest{hint}: {exc}"
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


def _decompress(body: bytes, content_encoding: str | None, max_bytes: int) -> bytes:
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip"):
        return _inflate(body, _GZIP_WBITS, max_bytes, "gzip")
    if encoding == "deflate":
        # HTTP "deflate" is zlib-wrapped, but some clients send raw deflate: accept both.
        wbits = _ZLIB_WBITS if body[:1] == b"\x78" else _RAW_DEFLATE_WBITS
        return _inflate(body, wbits, max_bytes, "deflate")
    raise OtlpDecodeError(
        f"Content-Encoding {content_encoding!r} is not supported; accepted are "
        f"{_ACCEPTED_ENCODINGS}",
        415,
    )


def _inflate(body: bytes, wbits: int, max_bytes: int, name: str) -> bytes:
    out = bytearray()
    rest = body
    while True:
        inflater = zlib.decompressobj(wbits)
        try:
            # Never inflate more than one byte past the cap, so a bomb costs no more memory.
            out += inflater.decompress(rest, max_bytes + 1 - len(out))
        except zlib.error as exc:
            raise OtlpDecodeError(f"body is not valid {name} data: {exc}") from None
        if len(out) > max_bytes:
            raise _too_large(max_bytes, decompressed=True)
        if not inflater.eof:
            raise OtlpDecodeError(f"body is truncated {name} data (the stream has no end)")
        rest = inflater.unused_data
        if not rest or wbits != _GZIP_WBITS:
            break  # gzip may hold several members back to back; the others are one stream
    return bytes(out)


def _too_large(max_bytes: int, decompressed: bool = False) -> OtlpDecodeError:
    what = "decompressed body" if decompressed else "body"
    return OtlpDecodeError(
        f"{what} is larger than the limit of {max_bytes} bytes; send smaller batches", 413
    )
