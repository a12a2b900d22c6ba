"""OTLP log records mapped to span-bound records (spanscope.otel.logs), and those records applied
to a span (spanscope.store.sql.log_records.span_with_records)."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson
import pytest

from spanscope.otel import OtlpDecodeError, spans_from_request
from spanscope.otel.logs import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
    LogBatch,
    SpanLogRecord,
    decode_logs_request,
    logs_from_json,
    logs_response,
    logs_to_json,
    records_from_request,
)
from spanscope.otel.values import fill_attributes, json_to_any
from spanscope.store.sql.log_records import StoredRecord, span_with_records
from tests.otel.otlp_helpers import CHILD_ID, ROOT_ID, T0, TRACE_ID, proto_request

PROTOBUF = "application/x-protobuf"
JSON = "application/json"


def log_request(
    *records: Mapping[str, Any], resource: Mapping[str, Any] | None = None
) -> ExportLogsServiceRequest:
    """A logs request of hand-described records: `event` (the event_name field), `body`,
    `attributes`, `offset` (ns after T0), `severity` (text, number); `trace_id` / `span_id`
    default to TRACE_ID / ROOT_ID (None leaves them out)."""
    request = ExportLogsServiceRequest()
    resource_logs = request.resource_logs.add()
    fill_attributes(resource_logs.resource.attributes, resource or {"service.name": "app"})
    scope_logs = resource_logs.scope_logs.add()
    scope_logs.scope.name = "test"
    for spec in records:
        record = scope_logs.log_records.add()
        trace_id = spec.get("trace_id", TRACE_ID)
        span_id = spec.get("span_id", ROOT_ID)
        if trace_id is not None:
            record.trace_id = bytes.fromhex(trace_id)
        if span_id is not None:
            record.span_id = bytes.fromhex(span_id)
        record.time_unix_nano = T0 + spec.get("offset", 0)
        record.observed_time_unix_nano = T0 + spec.get("offset", 0) + 5
        if spec.get("event"):
            record.event_name = spec["event"]
        if "body" in spec:
            json_to_any(spec["body"], record.body)
        fill_attributes(record.attributes, spec.get("attributes", {}))
        text, number = spec.get("severity", ("", 0))
        record.severity_text = text
        record.severity_number = number
    return request


def openai_conversation(span_id: str = ROOT_ID) -> list[dict[str, Any]]:
    """The log records opentelemetry-instrumentation-openai-v2's legacy path emits for a
    tool-calling conversation, in order: the request's messages, then the choice."""
    system = {"gen_ai.system": "openai"}
    function = {"name": "weather", "arguments": '{"city": "Paris"}'}
    call = {"id": "call_1", "type": "function", "function": function}
    return [
        {
            "event": "gen_ai.system.message",
            "body": {"content": "Be brief."},
            "span_id": span_id,
            "offset": 1,
            "attributes": system,
        },
        {
            "event": "gen_ai.user.message",
            "body": {"content": "Weather in Paris?"},
            "span_id": span_id,
            "offset": 2,
            "attributes": system,
        },
        {
            "event": "gen_ai.assistant.message",
            "body": {"tool_calls": [call]},
            "span_id": span_id,
            "offset": 3,
            "attributes": system,
        },
        {
            "event": "gen_ai.tool.message",
            "body": {"content": "rain, 12 C", "id": "call_1"},
            "span_id": span_id,
            "offset": 4,
            "attributes": system,
        },
        {
            "event": "gen_ai.choice",
            "body": {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": "Rainy, 12 C."},
            },
            "span_id": span_id,
            "offset": 9,
            "attributes": system,
        },
    ]


def _text(role: str, content: str, **extra: Any) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": content}], **extra}


CONVERSATION_INPUT = [
    _text("system", "Be brief."),
    _text("user", "Weather in Paris?"),
    {
        "role": "assistant",
        "parts": [
            {"type": "tool_call", "id": "call_1", "name": "weather", "arguments": {"city": "Paris"}}
        ],
    },
    {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": "call_1", "response": "rain, 12 C"}],
    },
]
CONVERSATION_OUTPUT = [_text("assistant", "Rainy, 12 C.", finish_reason="stop")]


def _records(*specs: Mapping[str, Any]) -> list[SpanLogRecord]:
    batch = records_from_request(log_request(*specs))
    assert not batch.rejected
    return batch.records


def _stored(records: Sequence[SpanLogRecord]) -> list[StoredRecord]:
    """The records as the store reads them back (through JSON)."""
    return [
        StoredRecord(
            r.time_ns,
            r.index,
            r.kind,
            r.name,
            orjson.loads(orjson.dumps(r.messages)),
            r.complete,
            orjson.loads(orjson.dumps(r.attributes)),
        )
        for r in records
    ]


def _chat_span(**attributes: Any) -> Any:
    """A `chat` span as ingest maps it from the OTLP span openai-v2 sends (no content)."""
    spec = {
        "name": "chat gpt-4o-mini",
        "kind": 3,
        "attributes": {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 12,
            "gen_ai.usage.output_tokens": 4,
            **attributes,
        },
    }
    [item] = spans_from_request(proto_request(spec))
    return item.span


# Mapping: every event type


def test_each_legacy_event_becomes_a_message_of_its_span() -> None:
    records = _records(*openai_conversation())
    assert [(r.kind, r.name, r.index) for r in records] == [
        ("messages", "gen_ai.system.message", 0),
        ("messages", "gen_ai.user.message", 1),
        ("messages", "gen_ai.assistant.message", 2),
        ("messages", "gen_ai.tool.message", 3),
        ("messages", "gen_ai.choice", 4),
    ]
    assert {(r.trace_id, r.span_id) for r in records} == {(TRACE_ID, ROOT_ID)}
    assert [r.time_ns - T0 for r in records] == [1, 2, 3, 4, 9]
    inputs = [m for r in records[:4] for m in r.messages["gen_ai.input.messages"]]
    assert inputs == CONVERSATION_INPUT  # the tool call's arguments parsed into an object
    assert records[4].messages == {"gen_ai.output.messages": CONVERSATION_OUTPUT}
    assert not any(r.complete for r in records)
    assert all(r.attributes == {} for r in records)


def test_a_choice_with_a_tool_call_and_unparseable_arguments() -> None:
    call = {"id": "c9", "type": "function", "function": {"name": "f", "arguments": "not json"}}
    [record] = _records(
        {
            "event": "gen_ai.choice",
            "body": {"index": 0, "finish_reason": "tool_calls", "message": {"tool_calls": [call]}},
        }
    )
    assert record.messages["gen_ai.output.messages"] == [
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "c9", "name": "f", "arguments": "not json"}],
            "finish_reason": "tool_calls",
        }
    ]


def test_message_events_without_content_and_with_text_or_attribute_bodies() -> None:
    records = _records(
        {"event": "gen_ai.user.message", "attributes": {"gen_ai.system": "openai"}},
        {"event": "gen_ai.user.message", "body": "plain text body"},
        {"event": "gen_ai.user.message", "body": json.dumps({"content": "as JSON text"})},
        {"event": "gen_ai.choice", "body": {"index": 0, "finish_reason": "stop"}},
    )
    assert [r.messages for r in records] == [
        {"gen_ai.input.messages": [{"role": "user", "parts": []}]},
        {"gen_ai.input.messages": [_text("user", "plain text body")]},
        {"gen_ai.input.messages": [_text("user", "as JSON text")]},
        {"gen_ai.output.messages": [{"role": "assistant", "parts": [], "finish_reason": "stop"}]},
    ]


def test_the_event_name_may_come_as_an_attribute() -> None:
    [record] = _records(
        {"attributes": {"event.name": "gen_ai.user.message"}, "body": {"content": "hi"}}
    )
    assert record.name == "gen_ai.user.message"
    assert record.messages == {"gen_ai.input.messages": [_text("user", "hi")]}


def test_operation_details_event_carries_the_whole_conversation() -> None:
    tool = {"type": "function", "name": "weather", "parameters": {"type": "object"}}
    as_sent = [
        *CONVERSATION_INPUT[1:3],
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "c2", "name": "weather", "arguments": "{}"}],
        },
    ]
    [structured, as_text] = _records(
        {
            "event": "gen_ai.client.inference.operation.details",
            "offset": 10,
            "attributes": {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.input.messages": as_sent,
                "gen_ai.output.messages": CONVERSATION_OUTPUT,
                "gen_ai.system_instructions": [{"type": "text", "content": "Be brief."}],
                "gen_ai.tool.definitions": [tool],
            },
        },
        {
            "event": "gen_ai.client.inference.operation.details",
            "offset": 20,
            "attributes": {
                "gen_ai.input.messages": json.dumps(as_sent),
                "gen_ai.system_instructions": "Be brief.",
            },
        },
    )
    expected_input = [*as_sent[:2], {**as_sent[2], "parts": [{**as_sent[2]["parts"][0]}]}]
    expected_input[2]["parts"][0]["arguments"] = {}  # JSON text arguments become an object
    assert structured.kind == "messages" and structured.complete
    assert structured.messages == {
        "gen_ai.input.messages": expected_input,
        "gen_ai.output.messages": CONVERSATION_OUTPUT,
        "gen_ai.system_instructions": [{"type": "text", "content": "Be brief."}],
        "gen_ai.tool.definitions": [tool],
    }
    assert as_text.messages == {
        "gen_ai.input.messages": expected_input,
        "gen_ai.system_instructions": [{"type": "text", "content": "Be brief."}],
    }


def test_operation_details_without_content_is_a_plain_event() -> None:
    [record] = _records(
        {
            "event": "gen_ai.client.inference.operation.details",
            "attributes": {"gen_ai.request.model": "m"},
        }
    )
    assert record.kind == "event"
    assert record.attributes == {"gen_ai.request.model": "m"}


def test_other_log_records_become_span_events() -> None:
    records = _records(
        {"body": "cache miss", "severity": ("WARN", 13), "attributes": {"key": "k1"}},
        {"event": "retry", "body": {"attempt": 2}, "attributes": {"log.body": "kept"}},
        {"attributes": {"event.name": 7}},
    )
    assert [(r.kind, r.name) for r in records] == [
        ("event", "log"),
        ("event", "retry"),
        ("event", "log"),
    ]
    assert records[0].attributes == {
        "key": "k1",
        "log.body": "cache miss",
        "log.severity_text": "WARN",
        "log.severity_number": 13,
    }
    assert records[1].attributes == {"log.body": "kept"}  # the record's own attribute wins
    assert records[2].attributes == {"event.name": 7}  # not a name: an attribute as it came


def test_records_without_a_trace_are_counted_by_reason_and_trace_only_ones_go_to_the_root() -> None:
    batch = records_from_request(
        log_request(
            {"event": "gen_ai.user.message", "body": {"content": "x"}, "trace_id": None},
            {"body": "no trace at all", "trace_id": None, "span_id": None},
            {"body": "a trace but no span", "span_id": None},
            {"body": "a span but no trace", "trace_id": None},
            {"body": "all-zero ids", "trace_id": "0" * 32, "span_id": "0" * 16},
            {"body": "kept"},
            {"event": "gen_ai.user.message", "body": {"content": "q"}, "span_id": None},
        )
    )
    assert [(r.span_id, r.index, r.kind) for r in batch.records] == [
        ("", 0, "event"),
        (ROOT_ID, 0, "event"),
        ("", 1, "messages"),
    ]
    assert batch.records[0].attributes == {"log.body": "a trace but no span"}
    assert batch.rejected == {
        "GenAI event(s) without a trace id": 1,
        "log record(s) without a trace id": 3,
    }
    assert batch.rejected_count == 4
    message = batch.rejection_message()
    assert message.startswith("4 log record(s) dropped: 1 GenAI event(s) without a trace id; 3 ")
    assert "needs the trace id" in message


def test_indexes_count_per_span_and_the_time_falls_back_to_the_observed_time() -> None:
    request = log_request(
        {"body": "a"}, {"body": "b", "span_id": CHILD_ID}, {"body": "c"}, {"body": "d"}
    )
    request.resource_logs[0].scope_logs[0].log_records[3].time_unix_nano = 0
    records = records_from_request(request).records
    assert [(r.span_id, r.index) for r in records] == [
        (ROOT_ID, 0),
        (CHILD_ID, 0),
        (ROOT_ID, 1),
        (ROOT_ID, 2),
    ]
    assert records[3].time_ns == T0 + 5  # observed_time_unix_nano


def test_resources_naming_an_experiment_are_reported() -> None:
    request = log_request({"body": "a"}, resource={"spanscope.experiment.name": "chat-app"})
    assert records_from_request(request).experiments == [(None, "chat-app")]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("trace_id", b"\x01" * 3, "trace_id is '010101' (3 bytes); expected 16 bytes or none"),
        ("span_id", b"\x01" * 9, "span_id is '010101010101010101' (9 bytes); expected 8 bytes"),
        ("time_unix_nano", 2**63, "time_unix_nano is 9223372036854775808, past the largest"),
    ],
)
def test_malformed_records_reject_the_request(field: str, value: Any, expected: str) -> None:
    request = log_request({"body": "ok"}, {"body": "bad"})
    setattr(request.resource_logs[0].scope_logs[0].log_records[1], field, value)
    with pytest.raises(OtlpDecodeError) as caught:
        records_from_request(request)
    assert caught.value.http_status == 400
    assert "resource_logs[0].scope_logs[0].log_records[1]." + expected in str(caught.value)


# Decoding


def test_decode_protobuf_json_and_gzip() -> None:
    request = log_request(*openai_conversation())
    protobuf = request.SerializeToString()
    text = logs_to_json(request)
    assert json.loads(text)["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["spanId"] == (
        ROOT_ID
    )
    for body, content_type, encoding in (
        (protobuf, PROTOBUF, None),
        (protobuf, "application/protobuf", None),
        (text.encode(), JSON, None),
        (gzip.compress(text.encode()), "application/json; charset=utf-8", "gzip"),
    ):
        assert decode_logs_request(body, content_type, encoding) == request
    # snake_case field names and base64 ids, as some older exporters send them
    snake = {
        "resource_logs": [
            {
                "scope_logs": [
                    {
                        "log_records": [
                            {
                                "trace_id": _base64(TRACE_ID),
                                "span_id": _base64(ROOT_ID),
                                "body": {"stringValue": "x"},
                            }
                        ]
                    }
                ]
            }
        ]
    }
    [record] = records_from_request(logs_from_json(orjson.dumps(snake))).records
    assert (record.trace_id, record.span_id) == (TRACE_ID, ROOT_ID)


def _base64(hex_id: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_id)).decode()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"{}", "text/plain", 415, "Content-Type is 'text/plain'"),
        (b"{}", None, 415, "Content-Type is missing"),
        (b"{not json", JSON, 400, "body is not valid JSON"),
        (b"[1]", JSON, 400, "body is a JSON list"),
        (b'{"resourceLogs": 3}', JSON, 400, "does not match the OTLP/JSON schema"),
        (
            b'{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"traceId": "xyz"}]}]}]}',
            JSON,
            400,
            "resourceLogs[0].scopeLogs[0].logRecords[0].traceId is 'xyz'",
        ),
        (b"\x0a\xff\xff\xff", PROTOBUF, 400, "not a valid OTLP protobuf ExportLogsServiceRequest"),
        (b'{"resourceLogs": []}', PROTOBUF, 400, "it looks like JSON"),
    ],
)
def test_bad_bodies(body: bytes, content_type: str | None, status: int, message: str) -> None:
    with pytest.raises(OtlpDecodeError) as caught:
        decode_logs_request(body, content_type)
    assert caught.value.http_status == status
    assert message in str(caught.value)


def test_size_cap_applies_before_and_after_decompression() -> None:
    with pytest.raises(OtlpDecodeError) as caught:
        decode_logs_request(b"x" * 101, PROTOBUF, None, max_bytes=100)
    assert caught.value.http_status == 413
    bomb = gzip.compress(b'{"resourceLogs": [' + b" " * 10_000 + b"]}")
    with pytest.raises(OtlpDecodeError) as caught:
        decode_logs_request(bomb, JSON, "gzip", max_bytes=1_000)
    assert caught.value.http_status == 413


def test_the_response_reports_what_was_dropped() -> None:
    empty = LogBatch()
    assert logs_response(empty, as_json=True) == b"{}"
    assert logs_response(empty, as_json=False) == b""
    dropped = LogBatch(rejected={"log record(s) without a trace id": 2})
    answer = json.loads(logs_response(dropped, as_json=True))
    assert answer["partialSuccess"]["rejectedLogRecords"] == "2"
    assert answer["partialSuccess"]["errorMessage"] == dropped.rejection_message()
    parsed = ExportLogsServiceResponse()
    parsed.ParseFromString(logs_response(dropped, as_json=False))
    assert parsed.partial_success.rejected_log_records == 2


# Applying records to their span


def test_records_applied_to_a_span_in_order_whatever_order_they_come_in() -> None:
    span = _chat_span()
    assert span.span_type == "CHAT_MODEL" and span.inputs is None
    records = _stored(_records(*openai_conversation()))
    rebuilt = span_with_records(span, list(reversed(records)))
    attributes = rebuilt.attributes
    assert attributes["gen_ai.input.messages"] == CONVERSATION_INPUT
    assert attributes["gen_ai.output.messages"] == CONVERSATION_OUTPUT
    assert attributes["gen_ai.response.finish_reasons"] == ["stop"]
    assert attributes["gen_ai.usage.input_tokens"] == 12
    assert rebuilt.inputs == {"messages": CONVERSATION_INPUT}
    assert rebuilt.outputs == CONVERSATION_OUTPUT
    assert rebuilt.span_type == "CHAT_MODEL"
    # Idempotent: the records applied again, or to the rebuilt span, change nothing.
    assert span_with_records(rebuilt, records) is rebuilt
    assert span_with_records(span, records + records).to_dict() == rebuilt.to_dict()


def test_records_arriving_in_parts_give_the_same_span() -> None:
    records = _stored(_records(*openai_conversation()))
    first = span_with_records(_chat_span(), records[:2])
    assert first.attributes["gen_ai.input.messages"] == CONVERSATION_INPUT[:2]
    assert "gen_ai.output.messages" not in first.attributes
    assert first.outputs is None
    whole = span_with_records(first, records)
    assert whole.to_dict() == span_with_records(_chat_span(), records).to_dict()


def test_operation_details_replace_the_span_messages_and_add_system_instructions() -> None:
    span = _chat_span(**{"gen_ai.input.messages": json.dumps([_text("user", "old")])})
    assert span.inputs == {"messages": [_text("user", "old")]}
    details = _stored(
        _records(
            {
                "event": "gen_ai.client.inference.operation.details",
                "attributes": {
                    "gen_ai.input.messages": CONVERSATION_INPUT[1:],
                    "gen_ai.output.messages": CONVERSATION_OUTPUT,
                    "gen_ai.system_instructions": "Be brief.",
                },
            }
        )
    )
    rebuilt = span_with_records(span, details)
    assert rebuilt.attributes["gen_ai.input.messages"] == CONVERSATION_INPUT[1:]
    assert rebuilt.attributes["gen_ai.system_instructions"] == [
        {"type": "text", "content": "Be brief."}
    ]
    assert rebuilt.inputs == {"messages": CONVERSATION_INPUT}  # system instructions first
    assert rebuilt.outputs == CONVERSATION_OUTPUT


def test_a_span_of_unknown_type_with_messages_becomes_llm_and_other_inputs_stay() -> None:
    [item] = spans_from_request(
        proto_request({"attributes": {"input.value": "raw prompt", "output.value": "raw"}})
    )
    span = item.span
    records = _stored(_records(*openai_conversation()))
    rebuilt = span_with_records(span, records)
    assert span.span_type == "UNKNOWN" and rebuilt.span_type == "LLM"
    assert rebuilt.inputs == span.inputs == "raw prompt"  # not the chat shape: kept
    assert rebuilt.outputs == span.outputs == "raw"
    assert rebuilt.attributes["gen_ai.input.messages"] == CONVERSATION_INPUT


def test_plain_records_become_events_once_in_time_order() -> None:
    [item] = spans_from_request(proto_request({"events": [("existing", 50, {"a": 1})]}))
    records = _stored(
        _records({"body": "late", "offset": 90}, {"event": "early", "offset": 10, "body": 1})
    )
    rebuilt = span_with_records(item.span, records)
    assert [(e.name, e.timestamp_ns - T0) for e in rebuilt.events] == [
        ("early", 10),
        ("existing", 50),
        ("log", 90),
    ]
    assert rebuilt.events[2].attributes == {"log.body": "late"}
    assert span_with_records(rebuilt, records) is rebuilt


def test_trace_records_and_the_spans_own_records_with_the_same_key_both_apply() -> None:
    [item] = spans_from_request(proto_request({"name": "root"}))
    own, of_trace = _stored(_records({"body": "own"}, {"body": "of the trace", "span_id": None}))
    assert (own.time_ns, own.index) == (of_trace.time_ns, of_trace.index)
    rebuilt = span_with_records(item.span, [own, replace(of_trace, root=True)])
    assert sorted(e.attributes["log.body"] for e in rebuilt.events) == ["of the trace", "own"]
