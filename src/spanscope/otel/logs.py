"""OTLP log records -> records bound to a span: GenAI events as chat messages, others as events.

OpenTelemetry GenAI instrumentations (`opentelemetry-instrumentation-openai-v2` among them)
can send prompts and completions as log records carrying the trace and span id of their call:

* the per-message events `gen_ai.system.message`, `gen_ai.user.message`,
  `gen_ai.assistant.message`, `gen_ai.tool.message` (the span's input messages, in the order
  they were emitted) and `gen_ai.choice` (its output messages), whose body is the message;
* the newer `gen_ai.client.inference.operation.details`, whose attributes
  `gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.system_instructions` and
  `gen_ai.tool.definitions` hold the whole conversation.

Each becomes a `SpanLogRecord` of kind "messages" whose `messages` are in spanscope's chat shape
(`spanscope.entities.chat`; tool-call arguments as objects when they parse), for the store to
set on the span's `gen_ai.*` attributes, inputs and outputs. Any other log record with a span
id becomes a record of kind "event": a span event named after the event (else "log") with the
record's attributes, plus its body and severity under `log.body`, `log.severity_text` and
`log.severity_number`. A record with a trace id but no span id belongs to its trace as a
whole: it is bound to the trace's root span (`span_id` is `TRACE_ROOT_SPAN_ID`). A record
without a trace id cannot be placed: it is counted in `LogBatch.rejected`, by reason.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import orjson
from google.protobuf import json_format

from spanscope.constants import OTLP_LOGS_PATH
from spanscope.constants import SpanAttributeKey as K
from spanscope.entities.chat import (
    normalize_message,
    normalize_messages,
    normalize_tool_definition,
    parse_json,
    text_part,
)
from spanscope.otel.conventions import ResourceKey
from spanscope.otel.decode import DEFAULT_MAX_BODY_BYTES, decode_body
from spanscope.otel.errors import OtlpDecodeError
from spanscope.otel.otlp_json import hex_to_base64, json_items
from spanscope.otel.values import any_to_json, attributes_to_dict

try:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
        ExportLogsServiceRequest,
        ExportLogsServiceResponse,
    )
    from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "spanscope.otel needs the OTLP protobuf classes: pip install opentelemetry-proto"
    ) from exc

__all__ = [
    "EVENT_NAME_KEY",
    "ExportLogsServiceRequest",
    "ExportLogsServiceResponse",
    "GenAILogEvent",
    "LogBatch",
    "LogKey",
    "OTLP_LOGS_PATH",
    "SpanLogRecord",
    "TRACE_ROOT_SPAN_ID",
    "decode_logs_request",
    "logs_from_json",
    "logs_response",
    "logs_to_json",
    "records_from_request",
]

# Where log records of older SDKs carry their event name (newer ones have the event_name field).
EVENT_NAME_KEY: Final = "event.name"
# The span id of a record bound to its trace's root span (spanscope.store.base.SpanLogRecord;
# the store cannot be imported from here).
TRACE_ROOT_SPAN_ID: Final = ""
_TRACE_ID_BYTES = 16
_SPAN_ID_BYTES = 8
_MAX_TIME_NS = 2**63 - 1
_ACCEPTED_JSON = 'an OTLP/JSON ExportLogsServiceRequest object ({"resourceLogs": [...]})'
_PROVIDER_KEYS = ("gen_ai.system", K.GEN_AI_PROVIDER)


class GenAILogEvent:
    """Event names of the GenAI conventions sent as log records."""

    SYSTEM_MESSAGE: Final = "gen_ai.system.message"
    USER_MESSAGE: Final = "gen_ai.user.message"
    ASSISTANT_MESSAGE: Final = "gen_ai.assistant.message"
    TOOL_MESSAGE: Final = "gen_ai.tool.message"
    CHOICE: Final = "gen_ai.choice"
    OPERATION_DETAILS: Final = "gen_ai.client.inference.operation.details"


class LogKey:
    """Attributes of a span event made from a plain log record."""

    BODY: Final = "log.body"
    SEVERITY_TEXT: Final = "log.severity_text"
    SEVERITY_NUMBER: Final = "log.severity_number"


_INPUT_ROLES = {
    GenAILogEvent.SYSTEM_MESSAGE: "system",
    GenAILogEvent.USER_MESSAGE: "user",
    GenAILogEvent.ASSISTANT_MESSAGE: "assistant",
    GenAILogEvent.TOOL_MESSAGE: "tool",
}
# The operation-details attributes that carry content, and how each is normalised.
_DETAIL_KEYS = (
    K.GEN_AI_INPUT_MESSAGES,
    K.GEN_AI_OUTPUT_MESSAGES,
    K.GEN_AI_SYSTEM_INSTRUCTIONS,
    K.GEN_AI_TOOL_DEFINITIONS,
)


@dataclass(frozen=True, slots=True)
class SpanLogRecord:
    """One log record bound to its span.

    `(trace_id, span_id, time_ns, index)` identifies it: `index` is its position among the
    records of the same span in the request, so the same batch sent twice yields the same keys.
    Kind "messages": `messages` maps `gen_ai.input.messages` / `gen_ai.output.messages` (lists
    of chat messages, appended in record order) and, from the operation-details event,
    `gen_ai.system_instructions` / `gen_ai.tool.definitions`; `complete` is set for that event,
    whose lists are the whole conversation rather than one message of it. Kind "event": a span
    event `name` with `attributes`.
    """

    trace_id: str
    span_id: str
    time_ns: int
    index: int
    kind: Literal["messages", "event"]
    name: str
    messages: dict[str, list[Any]] = field(default_factory=dict)
    complete: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class LogBatch:
    """The records of one request that belong to a span, and the others counted by reason.

    `experiments` holds the (id, name) routing of each resource that named an experiment
    (resource attributes `spanscope.experiment.id` / `spanscope.experiment.name`).
    """

    records: list[SpanLogRecord] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)
    experiments: list[tuple[str | None, str | None]] = field(default_factory=list)

    @property
    def rejected_count(self) -> int:
        return sum(self.rejected.values())

    def rejection_message(self) -> str:
        """Why records were dropped, one clause per reason; empty when none were."""
        if not self.rejected:
            return ""
        reasons = "; ".join(f"{count} {reason}" for reason, count in self.rejected.items())
        return (
            f"{self.rejected_count} log record(s) dropped: {reasons}. spanscope keeps a log "
            "record as an event of its span (GenAI events as the span's chat messages), or of "
            "its trace's root span, so it needs the trace id (and span id) it belongs to"
        )


def decode_logs_request(
    body: bytes,
    content_type: str | None,
    content_encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> ExportLogsServiceRequest:
    """Decode the body of a `POST /v1/logs` (protobuf or OTLP/JSON; gzip, deflate or plain).

    Raises OtlpDecodeError: 415 for another content type or encoding, 413 past `max_bytes`
    (as sent or decompressed), 400 for a malformed body.
    """
    return decode_body(
        body, content_type, content_encoding, max_bytes, ExportLogsServiceRequest, logs_from_json
    )


def logs_from_json(data: bytes | str) -> ExportLogsServiceRequest:
    """Parse an OTLP/JSON logs body (trace and span ids as hex, as OTLP/JSON has them)."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise OtlpDecodeError(
            f"body is not valid JSON ({exc}); expected {_ACCEPTED_JSON}"
        ) from None
    if not isinstance(obj, dict):
        raise OtlpDecodeError(f"body is a JSON {type(obj).__name__}; expected {_ACCEPTED_JSON}")
    for where, record in _json_records(obj):
        for names, size in (
            (("traceId", "trace_id"), _TRACE_ID_BYTES),
            (("spanId", "span_id"), _SPAN_ID_BYTES),
        ):
            for name in names:
                if name in record:
                    record[name] = hex_to_base64(record[name], size, f"{where}.{name}")
    request = ExportLogsServiceRequest()
    try:
        json_format.ParseDict(obj, request, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        raise OtlpDecodeError(
            f"body does not match the OTLP/JSON schema: {exc}; expected {_ACCEPTED_JSON}"
        ) from None
    return request


def logs_to_json(request: ExportLogsServiceRequest) -> str:
    """Encode a logs request as OTLP/JSON (hex ids, integer enums, lowerCamelCase fields)."""
    obj = json_format.MessageToDict(request, use_integers_for_enums=True)
    for _, record in _json_records(obj):
        for name in ("traceId", "spanId"):
            if isinstance(record.get(name), str):
                record[name] = base64.b64decode(record[name]).hex()
    return orjson.dumps(obj).decode()


def logs_response(batch: LogBatch, as_json: bool) -> bytes:
    """The ExportLogsServiceResponse for `batch`: `partial_success` says what was dropped."""
    response = ExportLogsServiceResponse()
    if batch.rejected:
        response.partial_success.rejected_log_records = batch.rejected_count
        response.partial_success.error_message = batch.rejection_message()
    if as_json:
        return orjson.dumps(json_format.MessageToDict(response))
    return bytes(response.SerializeToString())


def records_from_request(request: ExportLogsServiceRequest) -> LogBatch:
    """Every log record of the request, mapped (see the module docstring).

    Raises OtlpDecodeError (400) for a malformed trace or span id (present but not 16 / 8
    bytes; all zero counts as absent) or a time past 2^63 - 1 ns: the request is then rejected
    as a whole, so nothing is half-ingested.
    """
    batch = LogBatch()
    positions: dict[tuple[str, str], int] = {}
    for r, resource_logs in enumerate(request.resource_logs):
        resource = attributes_to_dict(resource_logs.resource.attributes)
        routing = (
            _optional_text(resource.get(ResourceKey.EXPERIMENT_ID)),
            _optional_text(resource.get(ResourceKey.EXPERIMENT_NAME)),
        )
        if routing != (None, None) and routing not in batch.experiments:
            batch.experiments.append(routing)
        for s, scope_logs in enumerate(resource_logs.scope_logs):
            for n, proto in enumerate(scope_logs.log_records):
                where = f"resource_logs[{r}].scope_logs[{s}].log_records[{n}]"
                trace_id, span_id, fields = _map_record(proto, where)
                if trace_id is None:
                    genai = fields["kind"] == "messages" or fields["name"].startswith("gen_ai.")
                    reason = (
                        "GenAI event(s) without a trace id"
                        if genai
                        else "log record(s) without a trace id"
                    )
                    batch.rejected[reason] = batch.rejected.get(reason, 0) + 1
                    continue
                span_id = span_id or TRACE_ROOT_SPAN_ID
                index = positions.get((trace_id, span_id), 0)
                positions[trace_id, span_id] = index + 1
                batch.records.append(SpanLogRecord(trace_id, span_id, index=index, **fields))
    return batch


def _map_record(proto: LogRecord, where: str) -> tuple[str | None, str | None, dict[str, Any]]:
    """The record's trace and span id (None when absent) and the other SpanLogRecord fields."""
    trace_id = _optional_id(proto.trace_id, _TRACE_ID_BYTES, f"{where}.trace_id")
    span_id = _optional_id(proto.span_id, _SPAN_ID_BYTES, f"{where}.span_id")
    for name, value in (
        ("time_unix_nano", proto.time_unix_nano),
        ("observed_time_unix_nano", proto.observed_time_unix_nano),
    ):
        if value > _MAX_TIME_NS:
            raise OtlpDecodeError(
                f"{where}.{name} is {value}, past the largest time spanscope stores "
                f"({_MAX_TIME_NS} ns, in the year 2262); OTLP times are nanoseconds since 1970"
            )
    time_ns = proto.time_unix_nano or proto.observed_time_unix_nano
    attributes = attributes_to_dict(proto.attributes)
    # `event_name` is a field since OTLP 1.5; older SDKs put the name in an attribute.
    event_name = getattr(proto, "event_name", "") or ""
    named = attributes.pop(EVENT_NAME_KEY, None)
    if not event_name and isinstance(named, str):
        event_name = named
    body = any_to_json(proto.body) if proto.HasField("body") else None
    messages, complete = _genai_messages(event_name, body, attributes)
    if messages is not None:
        fields = {"kind": "messages", "messages": messages, "complete": complete}
        return trace_id, span_id, {"time_ns": time_ns, "name": event_name, **fields}
    if named is not None and not isinstance(named, str):
        attributes[EVENT_NAME_KEY] = named  # not a name: kept as it came
    if body is not None:
        attributes.setdefault(LogKey.BODY, body)
    if proto.severity_text:
        attributes.setdefault(LogKey.SEVERITY_TEXT, proto.severity_text)
    if proto.severity_number:
        attributes.setdefault(LogKey.SEVERITY_NUMBER, int(proto.severity_number))
    fields = {"kind": "event", "attributes": attributes}
    return trace_id, span_id, {"time_ns": time_ns, "name": event_name or "log", **fields}


def _genai_messages(
    name: str, body: Any, attributes: Mapping[str, Any]
) -> tuple[dict[str, list[Any]] | None, bool]:
    """The chat messages a GenAI event carries, and whether they are the whole conversation;
    (None, False) when the record is not one (or, for operation details, carries no content)."""
    if name in _INPUT_ROLES:
        message = normalize_message(_message_body(body, attributes), _INPUT_ROLES[name])
        return {K.GEN_AI_INPUT_MESSAGES: [_with_parsed_arguments(message)]}, False
    if name == GenAILogEvent.CHOICE:
        return {K.GEN_AI_OUTPUT_MESSAGES: [_choice_message(_message_body(body, attributes))]}, False
    if name == GenAILogEvent.OPERATION_DETAILS:
        found = _detail_messages(attributes)
        return (found, True) if found else (None, False)
    return None, False


def _message_body(body: Any, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The message of a per-message event: its body; else (older producers) its attributes."""
    value = parse_json(body)
    if isinstance(value, Mapping):
        return dict(value)
    if value is not None:
        return {"content": value}
    return {k: v for k, v in attributes.items() if k not in _PROVIDER_KEYS}


def _choice_message(body: dict[str, Any]) -> dict[str, Any]:
    message = parse_json(body.get("message"))
    if not isinstance(message, Mapping):
        message = {k: v for k, v in body.items() if k not in ("index", "finish_reason")}
    normalized = _with_parsed_arguments(normalize_message(message, "assistant"))
    if body.get("finish_reason"):
        normalized["finish_reason"] = body["finish_reason"]
    return normalized


def _detail_messages(attributes: Mapping[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for key in _DETAIL_KEYS:
        if key not in attributes:
            continue
        value = parse_json(attributes[key])
        if key == K.GEN_AI_SYSTEM_INSTRUCTIONS:
            if isinstance(value, str):
                value = [text_part(value)]
            elif isinstance(value, Mapping):
                value = [dict(value)]
            if isinstance(value, list):
                found[key] = value
        elif key == K.GEN_AI_TOOL_DEFINITIONS:
            if isinstance(value, Mapping):
                value = [value]
            if isinstance(value, list):
                found[key] = [normalize_tool_definition(tool) for tool in value]
        else:
            role = "user" if key == K.GEN_AI_INPUT_MESSAGES else "assistant"
            messages = normalize_messages(value, role)
            if messages is not None:
                found[key] = [_with_parsed_arguments(m) for m in messages]
    return found


def _with_parsed_arguments(message: dict[str, Any]) -> dict[str, Any]:
    """Tool-call arguments sent as JSON text become objects (the GenAI schema's form)."""
    parts = message.get("parts")
    if not isinstance(parts, list) or not any(
        isinstance(p, Mapping) and isinstance(p.get("arguments"), str) for p in parts
    ):
        return message
    fixed = [
        {**p, "arguments": parse_json(p["arguments"])}
        if isinstance(p, Mapping) and p.get("type") == "tool_call"
        else p
        for p in parts
    ]
    return {**message, "parts": fixed}


def _optional_id(raw: bytes, size: int, where: str) -> str | None:
    if not raw or raw == bytes(size):
        return None  # a log record need not belong to a span
    if len(raw) != size:
        raise OtlpDecodeError(
            f"{where} is {raw.hex()!r} ({len(raw)} bytes); expected {size} bytes or none"
        )
    return raw.hex()


def _optional_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _json_records(obj: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every log record object of an OTLP/JSON body, with where it is (lowerCamelCase or the
    original field names); anything not of the schema's shape is left for ParseDict."""
    found = []
    for r, resource_logs in enumerate(json_items(obj, "resourceLogs", "resource_logs")):
        for s, scope_logs in enumerate(json_items(resource_logs, "scopeLogs", "scope_logs")):
            for n, record in enumerate(json_items(scope_logs, "logRecords", "log_records")):
                found.append((f"resourceLogs[{r}].scopeLogs[{s}].logRecords[{n}]", record))
    return found
