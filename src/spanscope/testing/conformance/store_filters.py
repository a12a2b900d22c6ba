"""Hypothesis strategies for the filter-equivalence property: random filters over random
traces, from a small vocabulary so that filters often match."""

from __future__ import annotations

import orjson
from hypothesis import strategies as st

from spanscope.constants import SpanAttributeKey, TraceMetadataKey
from spanscope.entities import (
    Span,
    Trace,
    TraceData,
    TraceInfo,
    TraceState,
)
from spanscope.search import (
    And,
    Comparison,
    Expr,
    Field,
    FieldKind,
    Not,
    Op,
    Or,
    Scalar,
    SpanGroup,
    Value,
    ValueType,
    field_spec,
)
from spanscope.testing.conformance.store_traces import DEFAULT

__all__ = [
    "BATCHES",
    "BATCH_IDS",
    "EXPRESSIONS",
    "LLM_CALLS",
    "ORDER_BYS",
    "SORTABLE_FIELDS",
    "TOKEN_USAGES",
    "SPAN_EXPRESSIONS",
    "comparisons",
    "filter_fields",
    "like_pattern",
    "order_bys",
    "span_fields",
    "span_groups",
]


# -- the filter-language strategies (a small vocabulary, so filters often match) ----------------

# Besides ASCII: letters whose case folding differs between databases (dotted and dotless i,
# capital, small and final sigma, the Kelvin sign), and NUL, stored as U+FFFD.
_SMALL_TEXT = st.text(alphabet="aAb%_\\' .éİıΣσς\u212a\x00\ufffd", max_size=4)
_KEYS = st.sampled_from(
    ["env", "k", "gen_ai.usage.input_tokens", "my key", "x`y", 'q"\\', "n\x00l", "Σ"]
)
_MODEL_KEYS = st.sampled_from(["gen_ai.request.model", "gen_ai.response.model"])
_SPAN_KEYS = ("name", "type", "status", "span_id", "parent_id", "start_time_ms", "duration_ms")
_NUMBERS: st.SearchStrategy[Scalar] = st.integers(-2, 2)
_JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), _SMALL_TEXT)
_JSON_VALUES = st.one_of(
    _JSON_SCALARS,
    st.lists(_JSON_SCALARS, max_size=2),
    st.dictionaries(_KEYS, _JSON_SCALARS, max_size=2),
)


# The usage of an LLM call, of a model the bundled price book knows or of one it does not: the
# store prices it as it writes it (docs/cost.md), so `cost` and `span.cost` have values.
LLM_CALLS: st.SearchStrategy[dict[str, object]] = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {
            SpanAttributeKey.GEN_AI_REQUEST_MODEL: st.sampled_from(
                ["gpt-4o-mini", "openai/gpt-4o", "no-such-model"]
            ),
            SpanAttributeKey.GEN_AI_INPUT_TOKENS: st.sampled_from([0, 2_000_000, 7]),
            SpanAttributeKey.GEN_AI_OUTPUT_TOKENS: st.sampled_from([0, 1_000_000]),
        }
    ),
)


# A trace's token usage (TraceInfo.token_usage), as spanscope writes it, or none; small counts
# so filters and sorts meet equal ones.
TOKEN_USAGES: st.SearchStrategy[dict[str, int] | None] = st.none() | st.builds(
    lambda i, o: {"input_tokens": i, "output_tokens": o, "total_tokens": i + o},
    st.integers(0, 2),
    st.integers(0, 2),
)

# The order_by fields whose order every store agrees on for any value (names and other
# free text sort by the store's collation); feedback.<name> sorts too.
SORTABLE_FIELDS = (
    "timestamp_ms",
    "execution_time_ms",
    "cost",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "status",
    "trace_id",
)


def order_bys(keys: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[list[str]]:
    """Random order_by lists over SORTABLE_FIELDS (and feedback.<name> with `keys`): one to
    three distinct fields, each with ASC, DESC or no direction."""
    field = st.sampled_from(SORTABLE_FIELDS)
    if keys is not None:
        field = field | keys.map(lambda k: "feedback.`" + k.replace("`", "``") + "`")
    clause = st.tuples(field, st.sampled_from(["", " ASC", " DESC", " desc"]))
    clauses = st.lists(clause, min_size=1, max_size=3, unique_by=lambda c: c[0])
    return clauses.map(lambda cs: [f + direction for f, direction in cs])


ORDER_BYS = order_bys()


def filter_fields(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Field]:
    """Every kind of filter field: trace fields, span fields, text, and tags, metadata, span
    attributes, feedback and expectations named by `keys`."""
    trace_fields = (
        "trace_id",
        "name",
        "status",
        "timestamp_ms",
        "execution_time_ms",
        "session_id",
        "user_id",
        "client_request_id",
        "request_preview",
        "response_preview",
        "cost",
        "input_tokens",
        "output_tokens",
        "total_tokens",
    )
    return st.one_of(
        st.sampled_from(
            [Field.trace(name) for name in trace_fields]
            + [Field.span(name) for name in (*_SPAN_KEYS, "model", "cost")]
            + [Field.text()]
        ),
        st.builds(Field, st.sampled_from([FieldKind.TAG, FieldKind.METADATA]), keys),
        st.builds(Field.span_attribute, keys),
        st.builds(Field, st.sampled_from([FieldKind.FEEDBACK, FieldKind.EXPECTATION]), keys),
    )


def span_fields(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Field]:
    """The fields of one span: its columns, model, attributes named by `keys`, its text."""
    return st.one_of(
        st.sampled_from(
            [Field.span(name) for name in (*_SPAN_KEYS, "model", "cost")] + [Field.text()]
        ),
        st.builds(Field.span_attribute, keys),
    )


def _trace_only_fields(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Field]:
    """The fields of a search_spans filter naming the span's trace (trace.<field>)."""
    return filter_fields(keys).filter(
        lambda f: f.kind not in (FieldKind.SPAN, FieldKind.SPAN_ATTRIBUTE, FieldKind.TEXT)
    )


def like_pattern(pattern: str) -> str:
    """A valid LIKE pattern: a dangling trailing escape gets a character to escape."""
    trailing = len(pattern) - len(pattern.rstrip("\\"))
    return pattern + "x" if trailing % 2 else pattern


@st.composite
def comparisons(
    draw: st.DrawFn,
    keys: st.SearchStrategy[str],
    strings: st.SearchStrategy[str],
    numbers: st.SearchStrategy[Scalar],
    fields: st.SearchStrategy[Field] | None = None,
) -> Comparison:
    """A random valid comparison over every kind of field (see filter_fields; or `fields`), its
    literal of the field's type drawn from `strings` / `numbers` (or true / false)."""
    field = draw(filter_fields(keys) if fields is None else fields)
    spec = field_spec(field)
    op = draw(st.sampled_from(spec.ops))
    if op in (Op.IS_NULL, Op.IS_NOT_NULL):
        return Comparison(field, op)
    if op in (Op.LIKE, Op.NOT_LIKE, Op.ILIKE, Op.NOT_ILIKE):
        return Comparison(field, op, like_pattern(draw(strings)))
    ordered = op in (Op.LT, Op.LE, Op.GT, Op.GE)
    scalar: st.SearchStrategy[Scalar]
    if spec.value_type is ValueType.NUMBER:
        scalar = numbers
    elif spec.value_type is ValueType.ENUM:
        scalar = st.sampled_from(spec.values)
    elif spec.value_type is ValueType.JSON:
        scalar = numbers if ordered else st.one_of(strings, numbers)
    elif spec.value_type is ValueType.ASSESSMENT:
        scalar = numbers if ordered else st.one_of(strings, numbers, st.booleans())
    else:
        scalar = strings
    value: Value
    if op in (Op.IN, Op.NOT_IN):
        value = tuple(draw(st.lists(scalar, min_size=1, max_size=3)))
    else:
        value = draw(scalar)
    return Comparison(field, op, value)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    many = st.lists(children, min_size=2, max_size=3).map(tuple)
    return st.one_of(st.builds(Not, children), many.map(And), many.map(Or))


_ATTRIBUTE_KEYS = st.one_of(_KEYS, _MODEL_KEYS)


def span_groups(
    keys: st.SearchStrategy[str],
    strings: st.SearchStrategy[str],
    numbers: st.SearchStrategy[Scalar],
) -> st.SearchStrategy[Expr]:
    """Random `span(...)` groups over the span fields."""
    leaves = comparisons(keys, strings, numbers, span_fields(keys))
    return st.recursive(leaves, _extend, max_leaves=4).map(SpanGroup)


EXPRESSIONS: st.SearchStrategy[Expr] = st.recursive(
    st.one_of(
        comparisons(_KEYS, _SMALL_TEXT, _NUMBERS),
        span_groups(_ATTRIBUTE_KEYS, _SMALL_TEXT, _NUMBERS),
    ),
    _extend,
    max_leaves=6,
)
# search_spans filters: span fields unprefixed and the span's trace's fields.
SPAN_EXPRESSIONS: st.SearchStrategy[Expr] = st.recursive(
    st.one_of(
        comparisons(_KEYS, _SMALL_TEXT, _NUMBERS, span_fields(_ATTRIBUTE_KEYS)),
        comparisons(_KEYS, _SMALL_TEXT, _NUMBERS, _trace_only_fields(_KEYS)),
    ),
    _extend,
    max_leaves=6,
)
_STARTS = st.sampled_from([0, 1_000_000, 1_500_000, 2_000_000])
_LENGTHS = st.none() | st.sampled_from([0, 500_000, 1_000_000, 2_000_000])


@st.composite
def _spans(draw: st.DrawFn, trace_id: str, index: int) -> Span:
    start = draw(_STARTS)
    length = draw(_LENGTHS)
    return Span.from_dict(
        {
            "trace_id": trace_id,
            "span_id": f"{index + 1:016x}",
            "parent_id": None if index == 0 else f"{1:016x}",
            "name": draw(_SMALL_TEXT),
            "span_type": draw(st.sampled_from(["LLM", "TOOL", "CHAIN", "a"])),
            "start_time_ns": start,
            "end_time_ns": None if length is None else start + length,
            "status": {"code": draw(st.sampled_from(["OK", "ERROR", "UNSET"])), "message": ""},
            "inputs": draw(_JSON_VALUES),
            "outputs": draw(_JSON_VALUES),
            "attributes": {
                **draw(st.dictionaries(_ATTRIBUTE_KEYS, _JSON_VALUES, max_size=3)),
                **draw(LLM_CALLS),
            },
        }
    )


@st.composite
def _traces(draw: st.DrawFn, trace_id: str) -> Trace:
    """A trace of made-up spans and info (values every backend must accept: no negatives)."""
    optional_text = st.none() | _SMALL_TEXT
    metadata = draw(st.dictionaries(_KEYS, _SMALL_TEXT, max_size=2))
    for key in (TraceMetadataKey.SESSION, TraceMetadataKey.USER):
        value = draw(optional_text)
        if value is not None:
            metadata[key] = value
    usage = draw(TOKEN_USAGES)
    if usage is not None:
        metadata[TraceMetadataKey.TOKEN_USAGE] = orjson.dumps(usage).decode()
    info = TraceInfo(
        trace_id=trace_id,
        experiment_id=DEFAULT,
        request_time=draw(st.integers(0, 3)),
        execution_duration=draw(st.none() | st.integers(0, 3)),
        state=draw(st.sampled_from(list(TraceState))),
        name=draw(optional_text),
        request_preview=draw(optional_text),
        response_preview=draw(optional_text),
        client_request_id=draw(optional_text),
        metadata=metadata,
        tags=draw(st.dictionaries(_KEYS, _SMALL_TEXT, max_size=2)),
    )
    spans = [draw(_spans(trace_id, i)) for i in range(draw(st.integers(0, 3)))]
    return Trace(info, TraceData(spans))


BATCH_IDS = [f"{0xC0FFEE:08x}{i + 1:024x}" for i in range(4)]
BATCHES = st.lists(st.integers(0, 3), min_size=1, max_size=len(BATCH_IDS), unique=True).flatmap(
    lambda slots: st.tuples(*(_traces(BATCH_IDS[slot]) for slot in slots)).map(list)
)
