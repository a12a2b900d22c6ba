"""Whatever attribute values a producer sends under the keys we map, ingest never breaks."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spanscope.constants import SpanAttributeKey
from spanscope.entities.serialization import dumps
from spanscope.otel import decode_request, request_to_json, spans_from_request
from tests.otel.otlp_helpers import proto_request

KEYS = [
    SpanAttributeKey.SPAN_TYPE,
    SpanAttributeKey.INPUTS,
    "gen_ai.operation.name",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
    "gen_ai.tool.call.arguments",
    "gen_ai.prompt.0.content",
    "gen_ai.prompt.0.tool_calls.0.arguments",
    "gen_ai.completion.0.role",
    "gen_ai.usage.prompt_tokens",
    "gen_ai.system",
    "gen_ai.conversation.id",
    "session.id",
    "openinference.span.kind",
    "input.value",
    "input.mime_type",
    "output.value",
    "llm.input_messages.0.message.content",
    "llm.input_messages.0.message.tool_calls.0.tool_call.function.arguments",
    "llm.output_messages.1.message.contents.0.message_content.text",
    "llm.tools.0.tool.json_schema",
    "llm.token_count.total",
    "llm.finish_reason",
    "retrieval.documents.0.document.metadata",
    "retrieval.documents.0.document.content",
    "reranker.input_documents.0.document.id",
    "otel.span.kind",
]
MESSAGE_EVENTS = ["gen_ai.user.message", "gen_ai.choice", "gen_ai.content.prompt", "exception"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["LLM", "RETRIEVER", "RERANKER", "chat", "execute_tool", "tool", "[", "{}"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
# JSON text of structured values too: much of what we map arrives as strings.
values = st.one_of(json_values, json_values.map(json.dumps))
attributes = st.dictionaries(st.sampled_from(KEYS), values, max_size=8)
events = st.lists(
    st.tuples(
        st.sampled_from(MESSAGE_EVENTS),
        st.integers(0, 10),
        st.dictionaries(st.sampled_from(["gen_ai.event.content", "content", "message"]), values),
    ),
    max_size=3,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attributes=attributes, events=events, status=st.sampled_from([(0, ""), (2, "")]))
def test_any_attribute_values_map_without_error(
    attributes: dict[str, Any], events: list[Any], status: tuple[int, str]
) -> None:
    request = proto_request({"attributes": attributes, "events": events, "status": status})
    [item] = spans_from_request(request)
    as_dict = item.span.to_dict()
    dumps(as_dict)  # JSON-serialisable all the way down
    assert isinstance(as_dict["span_type"], str)
    again = decode_request(request_to_json(request).encode(), "application/json", None)
    assert [i.span.to_dict() for i in spans_from_request(again)] == [as_dict]


def test_import_spanscope_stays_light() -> None:
    code = (
        "import sys, spanscope\n"
        "assert not any(m.startswith('opentelemetry') for m in sys.modules), 'otel'\n"
        "had_httpx = 'httpx' in sys.modules\n"
        "import spanscope.otel\n"
        "assert had_httpx or 'httpx' not in sys.modules, 'httpx'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
