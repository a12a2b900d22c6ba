"""The OTLP/JSON mapping of a trace export request.

OTLP/JSON is the protobuf JSON mapping with one exception: trace and span ids are hex strings,
not base64 (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). The ids are
converted here so `google.protobuf.json_format` can do the rest (lowerCamelCase or original
field names, enums as integers or names, int64 as numbers or strings, unknown fields ignored).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

import orjson
from google.protobuf import json_format

from spanscope.otel.errors import OtlpDecodeError
from spanscope.otel.values import ExportTraceServiceRequest

__all__ = ["hex_to_base64", "json_items", "request_from_json", "request_to_json"]

_TRACE_ID_BYTES = 16
_SPAN_ID_BYTES = 8
# Converts one id field: (value, size in bytes, where) -> new value.
_Convert = Callable[[Any, int, str], Any]
_ACCEPTED = 'an OTLP/JSON ExportTraceServiceRequest object ({"resourceSpans": [...]})'


def request_from_json(data: bytes | str) -> ExportTraceServiceRequest:
    """Parse an OTLP/JSON body; OtlpDecodeError says what was wrong and where."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise OtlpDecodeError(f"body is not valid JSON ({exc}); expected {_ACCEPTED}") from None
    if not isinstance(obj, dict):
        raise OtlpDecodeError(f"body is a JSON {type(obj).__name__}; expected {_ACCEPTED}")
    _convert_ids(obj, hex_to_base64)
    request = ExportTraceServiceRequest()
    try:
        json_format.ParseDict(obj, request, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        raise OtlpDecodeError(
            f"body does not match the OTLP/JSON schema: {exc}; expected {_ACCEPTED}"
        ) from None
    return request


def request_to_json(request: ExportTraceServiceRequest) -> str:
    """Encode a request as OTLP/JSON (hex ids, integer enums, lowerCamelCase fields)."""
    obj = json_format.MessageToDict(request, use_integers_for_enums=True)
    _convert_ids(obj, _base64_to_hex)
    return orjson.dumps(obj).decode()


def _convert_ids(obj: dict[str, Any], convert: _Convert) -> None:
    # Walk only the shapes the schema allows; anything else is left for ParseDict to report.
    for r, resource_spans in enumerate(json_items(obj, "resourceSpans", "resource_spans")):
        for s, scope_spans in enumerate(json_items(resource_spans, "scopeSpans", "scope_spans")):
            for n, span in enumerate(json_items(scope_spans, "spans")):
                where = f"resourceSpans[{r}].scopeSpans[{s}].spans[{n}]"
                _convert_fields(span, convert, where)
                for k, link in enumerate(json_items(span, "links")):
                    _convert_fields(link, convert, f"{where}.links[{k}]")


def _convert_fields(obj: dict[str, Any], convert: _Convert, where: str) -> None:
    for names, size in (
        (("traceId", "trace_id"), _TRACE_ID_BYTES),
        (("spanId", "span_id"), _SPAN_ID_BYTES),
        (("parentSpanId", "parent_span_id"), _SPAN_ID_BYTES),
    ):
        for name in names:
            if name in obj:
                obj[name] = convert(obj[name], size, f"{where}.{name}")


def json_items(obj: Any, *names: str) -> list[dict[str, Any]]:
    """The objects of the first list among `obj`'s fields `names` (OTLP/JSON's lowerCamelCase
    or the original name); [] for anything else."""
    if not isinstance(obj, dict):
        return []
    for name in names:
        value = obj.get(name)
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
    return []


def hex_to_base64(value: Any, size: int, where: str) -> Any:
    """An OTLP/JSON id (hex, or base64 from older exporters) as protobuf JSON's base64."""
    if not isinstance(value, str) or value == "":
        return value
    if len(value) == 2 * size:
        try:
            return base64.b64encode(bytes.fromhex(value)).decode("ascii")
        except ValueError:
            pass
    # Some older exporters sent base64 as for any bytes field: accept it when it decodes right.
    try:
        if len(base64.b64decode(value, validate=True)) == size:
            return value
    except (binascii.Error, ValueError):
        pass
    raise OtlpDecodeError(
        f"{where} is {value!r}; expected {2 * size} hex characters (OTLP/JSON ids)"
    )


def _base64_to_hex(value: Any, size: int, where: str) -> Any:
    if not isinstance(value, str):
        return value
    return base64.b64decode(value).hex()
