"""OTLP AnyValue <-> JSON values, and the one place the OTLP protobuf classes are imported."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping
from typing import Any

try:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
        ExportTraceServiceResponse,
    )
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Status
    from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "spanscope.otel needs the OTLP protobuf classes: pip install opentelemetry-proto"
    ) from exc

__all__ = [
    "AnyValue",
    "ExportTraceServiceRequest",
    "ExportTraceServiceResponse",
    "KeyValue",
    "ProtoSpan",
    "ResourceSpans",
    "ScopeSpans",
    "Status",
    "any_to_json",
    "attributes_to_dict",
    "fill_attributes",
    "json_to_any",
]

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def any_to_json(value: AnyValue) -> Any:
    """The JSON value of an OTLP AnyValue; bytes become base64 text, an empty value None."""
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "int_value":
        return value.int_value
    if kind == "double_value":
        number = value.double_value
        # JSON has no NaN or infinity: keep them readable instead of turning them into null.
        return number if math.isfinite(number) else str(number)
    if kind == "array_value":
        return [any_to_json(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_to_json(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return base64.b64encode(value.bytes_value).decode("ascii")
    return None


def json_to_any(value: Any, out: AnyValue) -> None:
    """Write a JSON value into `out` (an empty AnyValue stands for null)."""
    if value is None:
        return
    if isinstance(value, bool):
        out.bool_value = value
    elif isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            out.int_value = value
        else:
            out.string_value = str(value)
    elif isinstance(value, float):
        out.double_value = value
    elif isinstance(value, str):
        out.string_value = value
    elif isinstance(value, Mapping):
        out.kvlist_value.SetInParent()  # an empty dict is still a kvlist, not null
        for key, item in value.items():
            kv = out.kvlist_value.values.add()
            kv.key = str(key)
            json_to_any(item, kv.value)
    elif isinstance(value, (list, tuple)):
        out.array_value.SetInParent()
        for item in value:
            json_to_any(item, out.array_value.values.add())
    else:
        out.string_value = str(value)


def attributes_to_dict(attributes: Iterable[KeyValue]) -> dict[str, Any]:
    """OTLP key-values as a dict of JSON values (a repeated key: the last one wins)."""
    out: dict[str, Any] = {}
    for kv in attributes:
        value = kv.value
        # Most attributes are strings: read them here, without a call per value (ingest path).
        if value.WhichOneof("value") == "string_value":
            out[kv.key] = value.string_value
        else:
            out[kv.key] = any_to_json(value)
    return out


def fill_attributes(target: Any, attributes: Mapping[str, Any]) -> None:
    """Append `attributes` to a repeated KeyValue field."""
    for key, value in attributes.items():
        kv = target.add()
        kv.key = key
        json_to_any(value, kv.value)
