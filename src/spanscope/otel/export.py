"""spanscope traces -> OTLP, and an exporter that POSTs them to an OTLP/HTTP endpoint.

Each span carries its inputs and outputs in the reserved attributes as JSON text and its type
as plain text (what spanscope's ingest reads back exactly); every other attribute, the GenAI
ones included, is a native OTLP value (arrays and key-value lists for structured values). The
resource names the service and the experiment; the root span carries the trace's session and
user as `session.id` and `user.id`, its other metadata in `spanscope.trace.metadata` and its
tags in `spanscope.trace.tags`.

Spans speak the OpenTelemetry GenAI conventions: model calls (LLM, CHAT_MODEL, EMBEDDING) and
retrievals (RETRIEVER) are CLIENT spans, every other span INTERNAL, unless the span names its
kind in `otel.span.kind`;
a GenAI span without `gen_ai.operation.name` gets the one of its type (`chat`,
`text_completion`, `embeddings`, `execute_tool`, `invoke_agent`, `retrieval`,
`invoke_workflow`), a TOOL span its `gen_ai.tool.name` and an AGENT span its
`gen_ai.agent.name` (from the span's name). What the exporter derived is listed in
`spanscope.otel.derived`, so spanscope's ingest removes it again (`take_export_additions`).
"""

from __future__ import annotations

import gzip
import math
import os
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import orjson

from spanscope.constants import ENV_OTLP_ENDPOINT, SpanAttributeKey, TraceMetadataKey
from spanscope.entities.serialization import dumps
from spanscope.entities.span import Span
from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.span_type import SpanType
from spanscope.entities.trace import Trace
from spanscope.exceptions import InvalidArgumentError
from spanscope.otel.conventions import (
    CONTENT_TYPE_PROTOBUF,
    ENV_OTEL_ENDPOINT,
    ENV_OTEL_HEADERS,
    ENV_OTEL_RESOURCE_ATTRIBUTES,
    ENV_OTEL_SERVICE_NAME,
    ENV_OTEL_TRACES_ENDPOINT,
    ENV_OTEL_TRACES_HEADERS,
    EXPORT_CLIENT_SPAN_TYPES,
    EXPORT_OPERATIONS,
    OTLP_TRACES_PATH,
    SPANSCOPE_SCOPE_NAME,
    ExportKey,
    OtelKey,
    ResourceKey,
)
from spanscope.otel.errors import OtlpExportError
from spanscope.otel.values import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
    ProtoSpan,
    ScopeSpans,
    fill_attributes,
)
from spanscope.safety import warn_once

if TYPE_CHECKING:
    import httpx

__all__ = [
    "OtlpTraceExporter",
    "request_from_traces",
    "resolve_endpoint",
    "resolve_headers",
    "span_type_from_attribute",
    "take_export_additions",
]

DEFAULT_SERVICE_NAME = "spanscope"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_STATUS_CODES = {SpanStatusCode.UNSET: 0, SpanStatusCode.OK: 1, SpanStatusCode.ERROR: 2}
_KINDS = {"SERVER": 2, "CLIENT": 3, "PRODUCER": 4, "CONSUMER": 5}
_INTERNAL = 1
_CLIENT = _KINDS["CLIENT"]
_SESSION_KEYS = (
    (TraceMetadataKey.SESSION, OtelKey.SESSION_ID),
    (TraceMetadataKey.USER, OtelKey.USER_ID),
)
# Metadata the root span does not carry in `spanscope.trace.metadata`: session and user travel
# as `session.id` / `user.id`; the schema version and token usage every store derives itself.
_NOT_EXPORTED_METADATA = frozenset(
    {
        TraceMetadataKey.SESSION,
        TraceMetadataKey.USER,
        TraceMetadataKey.SCHEMA_VERSION,
        TraceMetadataKey.TOKEN_USAGE,
    }
)
# The name a TOOL / AGENT span gets as `gen_ai.tool.name` / `gen_ai.agent.name`: its own name,
# without the operation GenAI instrumentations put in front of it.
_NAMED_SPANS = {
    SpanType.TOOL: (SpanAttributeKey.GEN_AI_TOOL_NAME, "execute_tool "),
    SpanType.AGENT: (ExportKey.AGENT_NAME, "invoke_agent "),
}


def request_from_traces(
    traces: Iterable[Trace],
    *,
    service_name: str | None = None,
    resource_attributes: Mapping[str, Any] | None = None,
) -> ExportTraceServiceRequest:
    """One OTLP request for `traces`: one ResourceSpans per experiment.

    The resource is `OTEL_RESOURCE_ATTRIBUTES`, then `service.name` (the argument, else
    `OTEL_SERVICE_NAME`, else "spanscope"), then `resource_attributes`, then
    `spanscope.experiment.id`.
    """
    base = _resource(service_name, resource_attributes)
    request = ExportTraceServiceRequest()
    by_experiment: dict[str, ScopeSpans] = {}
    for trace in traces:
        experiment = trace.info.experiment_id
        scope_spans = by_experiment.get(experiment)
        if scope_spans is None:
            resource_spans = request.resource_spans.add()
            resource = {**base, ResourceKey.EXPERIMENT_ID: experiment}
            fill_attributes(resource_spans.resource.attributes, resource)
            scope_spans = resource_spans.scope_spans.add()
            scope_spans.scope.name = SPANSCOPE_SCOPE_NAME
            by_experiment[experiment] = scope_spans
        root = trace.data.root
        root_extra = _root_attributes(trace)
        for span in trace.spans:
            _fill_span(scope_spans.spans.add(), span, root_extra if span is root else None)
    return request


def _root_attributes(trace: Trace) -> dict[str, Any]:
    metadata = trace.info.metadata
    extra: dict[str, Any] = {
        otel_key: metadata[key] for key, otel_key in _SESSION_KEYS if metadata.get(key)
    }
    others = {k: v for k, v in metadata.items() if k not in _NOT_EXPORTED_METADATA}
    if others:
        extra[SpanAttributeKey.TRACE_METADATA] = others
    if trace.info.tags:
        extra[ExportKey.TRACE_TAGS] = dict(trace.info.tags)
    return extra


def _fill_span(out: ProtoSpan, span: Span, extra: Mapping[str, Any] | None) -> None:
    out.trace_id = bytes.fromhex(span.trace_id)
    out.span_id = bytes.fromhex(span.span_id)
    if span.parent_id is not None:
        out.parent_span_id = bytes.fromhex(span.parent_id)
    out.name = span.name
    attrs = span.attributes
    span_type = span.span_type
    derived: dict[str, Any] = {}
    kind = attrs.get(OtelKey.SPAN_KIND)
    if isinstance(kind, str) and kind in _KINDS:
        out.kind = _KINDS[attrs.pop(OtelKey.SPAN_KIND)]  # type: ignore[assignment]
    elif kind is None and span_type in EXPORT_CLIENT_SPAN_TYPES:
        out.kind = _CLIENT  # type: ignore[assignment]
        derived[OtelKey.SPAN_KIND] = None  # chosen here: ingest must not record it
    else:  # INTERNAL, or a kind OTLP does not know, kept as the attribute it is
        out.kind = _INTERNAL  # type: ignore[assignment]
    operation = EXPORT_OPERATIONS.get(span_type)
    if operation is not None and SpanAttributeKey.GEN_AI_OPERATION not in attrs:
        derived[SpanAttributeKey.GEN_AI_OPERATION] = operation
    named = _NAMED_SPANS.get(span_type)
    if named is not None and named[0] not in attrs:
        key, prefix = named
        derived[key] = span.name.removeprefix(prefix) or span.name
    out.start_time_unix_nano = span.start_time_ns
    out.end_time_unix_nano = span.end_time_ns or 0
    reserved = {SpanAttributeKey.SPAN_TYPE: _span_type_text(span_type)}
    # The JSON text the span holds: the value was capped when it was captured, not again here.
    for key in (SpanAttributeKey.INPUTS, SpanAttributeKey.OUTPUTS):
        text = span.attributes_json.get(key)
        if text is not None and text != "null":
            reserved[key] = text
    fill_attributes(out.attributes, reserved)
    fill_attributes(out.attributes, attrs)
    if derived:
        fill_attributes(out.attributes, {k: v for k, v in derived.items() if v is not None})
        fill_attributes(out.attributes, {ExportKey.DERIVED: list(derived)})
    if extra:
        fill_attributes(out.attributes, extra)
    for event in span.events:
        proto_event = out.events.add()
        proto_event.name = event.name
        proto_event.time_unix_nano = event.timestamp_ns
        fill_attributes(proto_event.attributes, event.attributes)
    out.status.code = _STATUS_CODES[span.status.status_code]  # type: ignore[assignment]
    out.status.message = span.status.description


@lru_cache(maxsize=256)
def _span_type_text(span_type: str) -> str:
    """The span type as plain text; as JSON text (the older form) only when the plain text
    would read as another JSON value (a custom type such as "null" or "42")."""
    try:
        orjson.loads(span_type)
    except orjson.JSONDecodeError:
        return span_type
    return dumps(span_type)


def span_type_from_attribute(value: Any) -> str:
    """The span type of a `spanscope.span.type` attribute in either form: plain text (this
    exporter) or JSON text (older exporters, the TypeScript SDK). Plain text that reads as
    another JSON value ("42", "null") is a type of that name."""
    if not isinstance(value, str):
        return orjson.dumps(value).decode()
    try:
        decoded = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value
    return decoded if isinstance(decoded, str) else value


def take_export_additions(attributes: dict[str, Any]) -> dict[str, str]:
    """Ingest's half of `request_from_traces`, on the attributes of one ingested span once the
    OTLP span kind is recorded as `otel.span.kind`: removes what the exporter derived (the keys
    listed in `spanscope.otel.derived`, and the list) and a root span's `spanscope.trace.tags`;
    returns those tags (empty for every other span). A span without them is left as it is.
    """
    derived = attributes.pop(ExportKey.DERIVED, None)
    if isinstance(derived, list):
        for key in derived:
            if isinstance(key, str):
                attributes.pop(key, None)
    tags = attributes.pop(ExportKey.TRACE_TAGS, None)
    if not isinstance(tags, Mapping):
        return {}
    return {str(k): v if isinstance(v, str) else dumps(v) for k, v in tags.items()}


def _resource(service_name: str | None, extra: Mapping[str, Any] | None) -> dict[str, Any]:
    resource: dict[str, Any] = dict(_parse_pairs(os.environ.get(ENV_OTEL_RESOURCE_ATTRIBUTES)))
    name = service_name or os.environ.get(ENV_OTEL_SERVICE_NAME)
    resource[ResourceKey.SERVICE_NAME] = name or resource.get(
        ResourceKey.SERVICE_NAME, DEFAULT_SERVICE_NAME
    )
    resource.update(extra or {})
    return resource


def resolve_endpoint(endpoint: str | None = None) -> str:
    """The traces URL: the argument, `SPANSCOPE_OTLP_ENDPOINT` or
    `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as they are), else
    `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`."""
    url = endpoint or os.environ.get(ENV_OTLP_ENDPOINT) or os.environ.get(ENV_OTEL_TRACES_ENDPOINT)
    if not url:
        base = os.environ.get(ENV_OTEL_ENDPOINT)
        url = base.rstrip("/") + OTLP_TRACES_PATH if base else None
    if not url:
        raise InvalidArgumentError(
            f"no OTLP endpoint: pass endpoint= or set {ENV_OTLP_ENDPOINT}, "
            f"{ENV_OTEL_TRACES_ENDPOINT} or {ENV_OTEL_ENDPOINT}"
        )
    if not url.startswith(("http://", "https://")):
        raise InvalidArgumentError(f"OTLP endpoint {url!r} is not an http:// or https:// URL")
    return url


def resolve_headers(headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """`OTEL_EXPORTER_OTLP_HEADERS`, then `..._TRACES_HEADERS`, then `headers` (later wins)."""
    merged = dict(_parse_pairs(os.environ.get(ENV_OTEL_HEADERS)))
    merged.update(_parse_pairs(os.environ.get(ENV_OTEL_TRACES_HEADERS)))
    merged.update(headers or {})
    return merged


def _parse_pairs(raw: str | None) -> list[tuple[str, str]]:
    # The W3C-baggage-like format of the OTel variables: k1=v1,k2=v2 with percent-encoding.
    pairs = []
    for item in (raw or "").split(","):
        key, sep, value = item.partition("=")
        if not item.strip():
            continue
        if not sep or not key.strip():
            warn_once("otlp_env_pair", f"spanscope: ignoring malformed OTel setting {item!r}")
            continue
        pairs.append((unquote(key.strip()), unquote(value.strip())))
    return pairs


class OtlpTraceExporter:
    """POSTs traces as OTLP protobuf to an OTLP/HTTP traces endpoint (uses httpx).

    Retries 429, 502, 503, 504 and connection errors with exponential backoff and jitter
    (`initial_backoff` doubling up to `max_backoff`), honouring `Retry-After`; retrying stops
    once `max_retry_time` seconds have passed since the first attempt, or would by the next
    wait, and `export` then raises OtlpExportError (as it does at once for other statuses).
    """

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        compression: bool = True,
        max_retry_time: float = 10.0,
        initial_backoff: float = 0.5,
        max_backoff: float = 5.0,
        service_name: str | None = None,
        resource_attributes: Mapping[str, Any] | None = None,
    ) -> None:
        import httpx  # only when an exporter is made: `import spanscope` stays light

        self.endpoint = resolve_endpoint(endpoint)
        self.headers = {"user-agent": "spanscope-python", **resolve_headers(headers)}
        self.headers["content-type"] = CONTENT_TYPE_PROTOBUF
        if compression:
            self.headers["content-encoding"] = "gzip"
        self.timeout = timeout
        self.compression = compression
        self.max_retry_time = max_retry_time
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.service_name = service_name
        self.resource_attributes = dict(resource_attributes or {})
        self._httpx = httpx
        self._client = httpx.Client(timeout=timeout)

    def export(self, traces: Sequence[Trace]) -> None:
        if not traces:
            return
        spans = sum(len(trace.spans) for trace in traces)
        self._post(self.encode(traces), self.max_retry_time, f"{spans} span(s)")

    # What the spool needs (spanscope.tracing.export.delivery.SpoolingExporter).

    def destination(self) -> str:
        return "otlp:" + self.endpoint

    def write_ahead(self) -> bool:
        return True

    def encode(self, traces: Sequence[Trace]) -> bytes:
        request = request_from_traces(
            traces, service_name=self.service_name, resource_attributes=self.resource_attributes
        )
        body: bytes = request.SerializeToString()
        if self.compression:
            body = gzip.compress(body, compresslevel=6)  # most of the gain, far less CPU
        return body

    def deliver(
        self,
        destination: str,
        payload: bytes,
        timeout_s: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Send a body `encode` made (for this endpoint), retrying for at most `timeout_s`,
        with `headers` added."""
        if destination != self.destination():
            raise InvalidArgumentError(f"{destination!r} is not this exporter's destination")
        self._post(payload, min(timeout_s, self.max_retry_time), "a spooled batch", headers)

    def shutdown(self) -> None:
        self._client.close()

    def _post(
        self, body: bytes, retry_time: float, what: str, headers: Mapping[str, str] | None = None
    ) -> None:
        sent_headers = {**self.headers, **headers} if headers else self.headers
        start = time.monotonic()
        deadline = start + retry_time
        attempt = 0
        answered: tuple[int, str] | None = None  # the endpoint's last HTTP answer
        while True:
            # No attempt runs past the retry limit.
            timeout = max(min(self.timeout, deadline - time.monotonic()), 0.001)
            status: int | None = None
            retry_after: float | None = None
            try:
                response = self._client.post(
                    self.endpoint, content=body, headers=sent_headers, timeout=timeout
                )
            except self._httpx.TransportError as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if 200 <= status < 300:
                    _check_partial_success(response)
                    return
                failure = f"HTTP {status}: {response.text[:300]}"
                answered = (status, failure)
                if status not in _RETRY_STATUS:
                    raise OtlpExportError(
                        f"OTLP endpoint {self.endpoint} refused {what}: {failure}",
                        status,
                    )
                retry_after = _retry_after(response.headers.get("retry-after"))
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            if time.monotonic() + delay >= deadline:
                elapsed = time.monotonic() - start
                # The last attempt may be cut short by the limit itself: then the endpoint's
                # last answer is said too, and its status kept.
                if status is None and answered is not None:
                    status = answered[0]
                    failure += f"; last answer: {answered[1]}"
                raise OtlpExportError(
                    f"gave up exporting {what} to {self.endpoint} after "
                    f"{attempt + 1} attempt(s) in {elapsed:.2f}s (retry limit "
                    f"{retry_time}s); last error: {failure}",
                    status,
                    retry_after,
                )
            time.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        delay = min(self.initial_backoff * 2.0**attempt, self.max_backoff)
        return delay * (0.5 + random.random() / 2)  # jitter, so clients do not retry in step


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _check_partial_success(response: httpx.Response) -> None:
    if not response.headers.get("content-type", "").startswith(CONTENT_TYPE_PROTOBUF):
        return
    answer = ExportTraceServiceResponse()
    try:
        answer.ParseFromString(response.content)
    except Exception:  # a malformed success body is not worth failing the export on
        return
    rejected = answer.partial_success.rejected_spans
    if rejected:
        warn_once(
            "otlp_partial_success",
            f"spanscope: the OTLP endpoint rejected {rejected} span(s): "
            f"{answer.partial_success.error_message}",
        )
