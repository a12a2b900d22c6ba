"""OTLP spans -> spanscope spans.

OTLP span fields spanscope has no field for are kept as attributes when they carry anything:
the span kind unless INTERNAL (`otel.span.kind`), the instrumentation scope unless it is
spanscope's own (`otel.scope.name` / `otel.scope.version`), `otel.trace_state` and
`otel.links`. Flags and dropped counts are not kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

import orjson

from spanscope.constants import ExceptionEventKey, SpanAttributeKey
from spanscope.entities.serialization import DEFAULT_MAX_VALUE_BYTES, dumps
from spanscope.entities.span import Span
from spanscope.entities.span_event import SpanEvent
from spanscope.entities.span_status import SpanStatus, SpanStatusCode
from spanscope.entities.span_type import SpanType
from spanscope.otel.conventions import SPANSCOPE_SCOPE_NAME, OtelKey, ResourceKey
from spanscope.otel.draft import SpanDraft
from spanscope.otel.errors import OtlpDecodeError
from spanscope.otel.export import take_export_additions
from spanscope.otel.mapping import apply_conventions, span_name
from spanscope.otel.values import ExportTraceServiceRequest, ProtoSpan, attributes_to_dict

__all__ = ["IngestedSpan", "span_from_proto", "spans_from_request"]

_TRACE_ID_BYTES = 16
_MAX_TIME_NS = 2**63 - 1
_SPAN_ID_BYTES = 8
_STATUS_CODES = {0: SpanStatusCode.UNSET, 1: SpanStatusCode.OK, 2: SpanStatusCode.ERROR}
_KIND_PREFIX = "SPAN_KIND_"
_PLAIN_KINDS = frozenset({0, 1})  # UNSPECIFIED, INTERNAL: nothing worth keeping
# SpanStatus is frozen: spans without a status message share one instance per code.
_PLAIN_STATUS = {code: SpanStatus(code) for code in SpanStatusCode}
# Strings shorter than this are encoded inline, without a call per attribute.
_SHORT_TEXT = DEFAULT_MAX_VALUE_BYTES // 6
_UNCAPPED = 2**62


@dataclass(frozen=True, slots=True)
class IngestedSpan:
    """One span of an OTLP request, with where it came from.

    `experiment_id` is the resource attribute `spanscope.experiment.id` and `experiment_name`
    the resource attribute `spanscope.experiment.name` (a server resolves the name, creating
    the experiment on first use); the id wins when both are set, and a request header
    overrides both. `resource` is shared by the spans of one resource: do not mutate it.
    `trace_metadata` holds the trace-level values the span carried (session, user), keyed by
    `TraceMetadataKey`, for the server to merge into the trace's metadata. `trace_tags` holds
    the trace's tags a spanscope root span carried (`spanscope.trace.tags`).
    """

    span: Span
    resource: dict[str, Any] = field(default_factory=dict)
    experiment_id: str | None = None
    experiment_name: str | None = None
    trace_metadata: dict[str, str] = field(default_factory=dict)
    trace_tags: dict[str, str] = field(default_factory=dict)

    @property
    def experiment(self) -> str | None:
        """The experiment the resource names: its id, else its name."""
        return self.experiment_id or self.experiment_name


def spans_from_request(request: ExportTraceServiceRequest) -> list[IngestedSpan]:
    """Every span of the request, in order, mapped to the spanscope shape.

    Raises OtlpDecodeError (400) for a span with a missing or malformed id, or a time past
    2^63 - 1 ns; the request is then rejected as a whole, so nothing is half-ingested.
    """
    ingested = []
    for r, resource_spans in enumerate(request.resource_spans):
        resource = attributes_to_dict(resource_spans.resource.attributes)
        experiment = _optional_text(resource.get(ResourceKey.EXPERIMENT_ID))
        experiment_name = _optional_text(resource.get(ResourceKey.EXPERIMENT_NAME))
        for s, scope_spans in enumerate(resource_spans.scope_spans):
            scope = scope_spans.scope
            for n, proto in enumerate(scope_spans.spans):
                where = f"resource_spans[{r}].scope_spans[{s}].spans[{n}]"
                span, metadata, tags = _ingest(proto, scope.name, scope.version, where)
                ingested.append(
                    IngestedSpan(span, resource, experiment, experiment_name, metadata, tags)
                )
    return ingested


def span_from_proto(
    proto: ProtoSpan, scope_name: str = "", scope_version: str = "", where: str = "span"
) -> tuple[Span, dict[str, str]]:
    """One OTLP span as a spanscope Span, and the trace metadata it carried."""
    span, metadata, _ = _ingest(proto, scope_name, scope_version, where)
    return span, metadata


def _ingest(
    proto: ProtoSpan, scope_name: str, scope_version: str, where: str
) -> tuple[Span, dict[str, str], dict[str, str]]:
    trace_id = _hex_id(proto.trace_id, _TRACE_ID_BYTES, f"{where}.trace_id")
    span_id = _hex_id(proto.span_id, _SPAN_ID_BYTES, f"{where}.span_id")
    parent_id = _hex_id(proto.parent_span_id, _SPAN_ID_BYTES, f"{where}.parent_span_id", True)
    start, end = proto.start_time_unix_nano, proto.end_time_unix_nano
    # OTLP times are fixed64; spanscope's (and every store's) are signed 64-bit integers.
    if start > _MAX_TIME_NS:
        raise _time_error(f"{where}.start_time_unix_nano", start)
    if end > _MAX_TIME_NS:
        raise _time_error(f"{where}.end_time_unix_nano", end)
    events = []
    for e, event in enumerate(proto.events):
        if event.time_unix_nano > _MAX_TIME_NS:
            raise _time_error(f"{where}.events[{e}].time_unix_nano", event.time_unix_nano)
        events.append(
            SpanEvent(event.name, event.time_unix_nano, attributes_to_dict(event.attributes))
        )
    draft = SpanDraft(attributes_to_dict(proto.attributes), events)
    apply_conventions(draft)
    _keep_otel_fields(draft.attributes, proto, scope_name, scope_version)
    # What spanscope's exporter added for other tools (GenAI operation, names, CLIENT kind).
    tags = take_export_additions(draft.attributes)
    code = _STATUS_CODES.get(proto.status.code, SpanStatusCode.UNSET)
    message = proto.status.message
    if code is SpanStatusCode.ERROR and not message:
        message = _exception_message(draft.events)
    # The Span directly, not through Span.from_dict: ingest runs per span on the server.
    attrs = {
        # Most values are short strings: encoded here, without a call per attribute.
        key: orjson.dumps(value).decode()
        if type(value) is str and len(value) < _SHORT_TEXT
        else _json(value)
        for key, value in draft.attributes.items()
    }
    attrs[SpanAttributeKey.SPAN_TYPE] = _json(draft.span_type or SpanType.UNKNOWN)
    if draft.inputs is not None:
        attrs[SpanAttributeKey.INPUTS] = _json(draft.inputs)
    if draft.outputs is not None:
        attrs[SpanAttributeKey.OUTPUTS] = _json(draft.outputs)
    span = Span(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=parent_id,
        name=span_name(proto.name, draft.attributes),
        start_time_ns=start,
        end_time_ns=end or None,
        status=SpanStatus(code, message) if message else _PLAIN_STATUS[code],
        attributes_json=attrs,
        events=list(draft.events),
    )
    return span, draft.trace_metadata, tags


def _json(value: Any) -> str:
    """`dumps(value)` for the plain JSON values ingest holds, without its general encoder
    hook (a call per attribute of every span); anything else still goes through `dumps`.
    Not capped: the capture cap is the sending program's choice, made when it captured the
    value; what arrives is stored whole."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, ValueError):  # > 64-bit integers, keys orjson refuses
        return dumps(value, _UNCAPPED)


def _time_error(where: str, value: int) -> OtlpDecodeError:
    return OtlpDecodeError(
        f"{where} is {value}, past the largest time spanscope stores ({_MAX_TIME_NS} ns, "
        "in the year 2262); OTLP times are nanoseconds since 1970"
    )


@overload
def _hex_id(raw: bytes, size: int, where: str) -> str: ...
@overload
def _hex_id(raw: bytes, size: int, where: str, optional: bool) -> str | None: ...
def _hex_id(raw: bytes, size: int, where: str, optional: bool = False) -> str | None:
    if not raw or (optional and raw == bytes(size)):
        if optional:
            return None
        raise OtlpDecodeError(f"{where} is missing; every span needs a {size}-byte id")
    if len(raw) != size or raw == bytes(size):
        raise OtlpDecodeError(
            f"{where} is {raw.hex()!r} ({len(raw)} bytes); expected {size} bytes, not all zero"
        )
    return raw.hex()


def _keep_otel_fields(
    attrs: dict[str, Any], proto: ProtoSpan, scope_name: str, scope_version: str
) -> None:
    if proto.kind not in _PLAIN_KINDS:
        try:
            kind = ProtoSpan.SpanKind.Name(proto.kind).removeprefix(_KIND_PREFIX)
        except ValueError:  # a kind newer than these protobuf classes
            kind = str(proto.kind)
        attrs.setdefault(OtelKey.SPAN_KIND, kind)
    if scope_name and scope_name != SPANSCOPE_SCOPE_NAME:
        attrs.setdefault(OtelKey.SCOPE_NAME, scope_name)
        if scope_version:
            attrs.setdefault(OtelKey.SCOPE_VERSION, scope_version)
    if proto.trace_state:
        attrs.setdefault(OtelKey.TRACE_STATE, proto.trace_state)
    if proto.links:
        attrs.setdefault(OtelKey.LINKS, [_link(link) for link in proto.links])


def _link(link: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"trace_id": link.trace_id.hex(), "span_id": link.span_id.hex()}
    if link.trace_state:
        out["trace_state"] = link.trace_state
    out["attributes"] = attributes_to_dict(link.attributes)
    return out


def _exception_message(events: Sequence[SpanEvent]) -> str:
    for event in reversed(events):
        if event.name == ExceptionEventKey.EVENT_NAME:
            return _describe(event.attributes)
    return ""


def _describe(attrs: Mapping[str, Any]) -> str:
    kind = attrs.get(ExceptionEventKey.TYPE)
    message = attrs.get(ExceptionEventKey.MESSAGE)
    if kind and message:
        return f"{kind}: {message}"
    return str(kind or message or "")


def _optional_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)
