"""Shared builders and hypothesis strategies for the filter-language tests."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from spanscope.constants import TraceMetadataKey
from spanscope.entities import Span, Trace, TraceData, TraceInfo, TraceState
from spanscope.search import (
    And,
    Expr,
    Field,
    FieldKind,
    Not,
    Or,
    Scalar,
)
from spanscope.testing.conformance.store_filters import (
    LLM_CALLS,
    comparisons,
    filter_fields,
    span_fields,
    span_groups,
)

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"

# No example database: the suite must not leave files behind; the autouse tracing reset fixture
# of tests/conftest.py is harmless to share between examples.
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def make_span(index: int, **fields: Any) -> Span:
    """A span of TRACE_ID; `fields` override the Span.from_dict defaults."""
    data: dict[str, Any] = {
        "trace_id": TRACE_ID,
        "span_id": f"{index + 1:016x}",
        "parent_id": None if index == 0 else f"{1:016x}",
        "name": f"span-{index}",
        "span_type": "UNKNOWN",
        "start_time_ns": 1_000 + index,
        "end_time_ns": 2_000 + index,
        "status": {"code": "OK", "message": ""},
    }
    if "status" in fields:
        fields["status"] = {"code": fields["status"], "message": ""}
    data.update(fields)
    return Span.from_dict(data)


def make_trace(spans: list[Span] | None = None, **info: Any) -> Trace:
    info.setdefault("trace_id", TRACE_ID)
    return Trace(TraceInfo(**info), TraceData(list(spans or [])))


# -- strategies -------------------------------------------------------------------------------

# Small alphabets so generated filters and traces often agree (and matches() is often true).
# Besides ASCII: letters whose case folding differs between databases (dotted and dotless i,
# capital, small and final sigma, the Kelvin sign), and NUL, stored as U+FFFD.
SMALL_TEXT = st.text(alphabet="aAb%_\\' .éİıΣσς\u212a\x00\ufffd", max_size=4)
KEYS = st.sampled_from(
    ["env", "k", "gen_ai.usage.input_tokens", "my key", "x`y", 'q"\\', "n\x00l", "Σ"]
)
# Span attributes also hold the gen_ai model keys the `model` field reads.
ATTRIBUTE_KEYS = st.one_of(KEYS, st.sampled_from(["gen_ai.request.model", "gen_ai.response.model"]))
# Small numbers, with halves: span times compare in milliseconds of stored nanoseconds.
SMALL_NUMBERS: st.SearchStrategy[Scalar] = st.one_of(
    st.integers(-2, 2), st.sampled_from([0.5, 1.5])
)
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
NUMBERS: st.SearchStrategy[Scalar] = st.one_of(
    INT64, st.floats(allow_nan=False, allow_infinity=False), st.integers(-3, 3)
)


ANY_KEY = st.text(min_size=1, max_size=8)
ANY_TEXT = st.text(max_size=8)


def expressions(
    keys: st.SearchStrategy[str] = ANY_KEY,
    strings: st.SearchStrategy[str] = ANY_TEXT,
    numbers: st.SearchStrategy[Scalar] = NUMBERS,
) -> st.SearchStrategy[Expr]:
    """Random valid ASTs (any keys and strings by default), span(...) groups included."""
    leaves = st.one_of(comparisons(keys, strings, numbers), span_groups(keys, strings, numbers))

    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        many = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(st.builds(Not, children), many.map(And), many.map(Or))

    return st.recursive(leaves, extend, max_leaves=6)


def small_expressions() -> st.SearchStrategy[Expr]:
    """ASTs over the same small vocabulary as traces(), so they often match."""
    return expressions(ATTRIBUTE_KEYS, SMALL_TEXT, SMALL_NUMBERS)


def span_expressions(
    keys: st.SearchStrategy[str] = ANY_KEY,
    strings: st.SearchStrategy[str] = ANY_TEXT,
    numbers: st.SearchStrategy[Scalar] = NUMBERS,
) -> st.SearchStrategy[Expr]:
    """Random valid search_spans filters: span fields and the trace's (no span groups)."""
    of_trace = trace_fields_of_spans(keys)
    leaves = st.one_of(
        comparisons(keys, strings, numbers, span_fields(keys)),
        comparisons(keys, strings, numbers, of_trace),
    )

    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        many = st.lists(children, min_size=2, max_size=3).map(tuple)
        return st.one_of(st.builds(Not, children), many.map(And), many.map(Or))

    return st.recursive(leaves, extend, max_leaves=6)


def trace_fields_of_spans(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Field]:
    return filter_fields(keys).filter(
        lambda f: f.kind not in (FieldKind.SPAN, FieldKind.SPAN_ATTRIBUTE, FieldKind.TEXT)
    )


def small_span_expressions() -> st.SearchStrategy[Expr]:
    return span_expressions(ATTRIBUTE_KEYS, SMALL_TEXT, SMALL_NUMBERS)


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), SMALL_TEXT)
JSON_VALUES = st.one_of(
    JSON_SCALARS,
    st.lists(JSON_SCALARS, max_size=2),
    st.dictionaries(KEYS, JSON_SCALARS, max_size=2),
)


# Token usage as spanscope writes it, and as a hand-written metadata entry may hold it (values
# a store cannot keep as a count: negative, past 64 bits, not integers; stores read them as
# no count, as the evaluator does).
TOKEN_USAGES = st.one_of(
    st.none(),
    st.builds(
        lambda i, o: {"input_tokens": i, "output_tokens": o, "total_tokens": i + o},
        st.integers(0, 2),
        st.integers(0, 2),
    ),
    st.dictionaries(
        st.sampled_from(["input_tokens", "output_tokens", "total_tokens"]),
        st.one_of(st.integers(-1, 2), st.sampled_from([True, 1.5, "2", None, 2**63, 2**63 - 1])),
        max_size=3,
    ),
)


@st.composite
def spans(draw: st.DrawFn, index: int) -> Span:
    start = draw(st.sampled_from([0, 1_000_000, 1_500_000, 2_000_000]))
    length = draw(st.none() | st.sampled_from([0, 500_000, 1_000_000, 2_000_000]))
    return make_span(
        index,
        start_time_ns=start,
        end_time_ns=None if length is None else start + length,
        name=draw(SMALL_TEXT),
        span_type=draw(st.sampled_from(["LLM", "TOOL", "CHAIN", "a"])),
        status=draw(st.sampled_from(["OK", "ERROR", "UNSET"])),
        inputs=draw(JSON_VALUES),
        outputs=draw(JSON_VALUES),
        attributes={
            **draw(st.dictionaries(ATTRIBUTE_KEYS, JSON_VALUES, max_size=3)),
            **draw(LLM_CALLS),
        },
    )


@st.composite
def traces(draw: st.DrawFn) -> Trace:
    count = draw(st.integers(0, 3))
    optional_text = st.none() | SMALL_TEXT
    metadata = draw(st.dictionaries(KEYS, SMALL_TEXT, max_size=2))
    for key in (TraceMetadataKey.SESSION, TraceMetadataKey.USER):
        value = draw(optional_text)
        if value is not None:
            metadata[key] = value
    usage = draw(TOKEN_USAGES)
    if usage is not None:
        metadata[TraceMetadataKey.TOKEN_USAGE] = orjson.dumps(usage).decode()
    return make_trace(
        [draw(spans(i)) for i in range(count)],
        request_time=draw(st.integers(-2, 2)),
        execution_duration=draw(st.none() | st.integers(-2, 2)),
        state=draw(st.sampled_from(list(TraceState))),
        name=draw(optional_text),
        request_preview=draw(optional_text),
        response_preview=draw(optional_text),
        client_request_id=draw(optional_text),
        metadata=metadata,
        tags=draw(st.dictionaries(KEYS, SMALL_TEXT, max_size=2)),
    )
