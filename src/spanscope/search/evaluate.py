"""The reference evaluator: does a trace match a filter? SQL stores must agree with it.

Semantics (two-valued):
* a comparison on a missing value (NULL column, absent key, JSON null) is false, `!=` and the
  NOT forms included; only IS NULL is true there. `Not` negates the boolean.
* span fields are existential per comparison: true when some span satisfies it. IS NULL on a
  span field means no span has a value; IS NOT NULL means some span has one.
* `span(...)` groups are existential as a whole: true when one span satisfies every condition
  of the group; inside, each comparison is two-valued on that span, and `text` means that
  span's texts (its name, inputs and outputs as compact JSON). `span_matches` evaluates such a
  span-scoped filter (also search_spans's, where trace fields name the span's trace).
* span times (start_time_ms, duration_ms) compare as exact milliseconds of the integer
  nanoseconds stored (spanscope.search.times).
* span attributes are JSON: numbers (bool excluded) compare only with number literals, strings
  only with string literals; any other pairing is false.
* feedback.<name> / expectation.<name> are existential over the trace's valid (not overridden)
  assessments of that kind and name, on the trace or any span. Booleans compare only with
  true / false, numbers with numbers, strings with strings; lists, objects and errors (no value)
  compare with nothing. IS NULL: no such assessment has a value.
* LIKE is case-sensitive, ILIKE compares str.lower() of both sides; `%` matches any run of
  characters (newlines too), `_` one character, `\\` makes the next character literal.
* U+0000 and lone surrogates read as U+FFFD on both sides, in values and keys, as every store
  keeps them (see `spanscope.search.stored_text`): a trace matches the same filters before and
  after storing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import orjson

from spanscope.constants import SpanAttributeKey
from spanscope.entities.span import Span
from spanscope.entities.token_usage import token_count
from spanscope.entities.trace import Trace
from spanscope.entities.trace_info import TraceInfo
from spanscope.search.ast import (
    And,
    Comparison,
    Expr,
    Field,
    FieldKind,
    Not,
    Op,
    Or,
    SpanGroup,
    Value,
)
from spanscope.search.fields import SPAN_TIME_FIELDS
from spanscope.search.stored_text import (
    REPLACEMENT,
    has_unstorable,
    replace_unstorable,
    replace_unstorable_json,
)
from spanscope.search.times import nanos_test, passes_nanos

__all__ = [
    "assessment_values",
    "like_match",
    "like_to_regex",
    "matches",
    "span_field_value",
    "span_matches",
    "span_text_fields",
    "trace_field_value",
    "trace_text_fields",
    "value_texts",
]

_TRACE_GETTERS: dict[str, Callable[[TraceInfo], Any]] = {
    "trace_id": lambda info: info.trace_id,
    "name": lambda info: info.name,
    "status": lambda info: info.state.value,
    "timestamp_ms": lambda info: info.request_time,
    "execution_time_ms": lambda info: info.execution_duration,
    "session_id": lambda info: info.session_id,
    "user_id": lambda info: info.user_id,
    "client_request_id": lambda info: info.client_request_id,
    "request_preview": lambda info: info.request_preview,
    "response_preview": lambda info: info.response_preview,
    "cost": lambda info: _total(info.cost),
    "input_tokens": lambda info: token_count(info.token_usage, "input_tokens"),
    "output_tokens": lambda info: token_count(info.token_usage, "output_tokens"),
    "total_tokens": lambda info: token_count(info.token_usage, "total_tokens"),
}
_MODEL_KEYS = (SpanAttributeKey.GEN_AI_RESPONSE_MODEL, SpanAttributeKey.GEN_AI_REQUEST_MODEL)


def _model(span: Span) -> str | None:
    for key in _MODEL_KEYS:
        value = span.get_attribute(key)
        if isinstance(value, str):
            return value
    return None


_SPAN_GETTERS: dict[str, Callable[[Span], Any]] = {
    "name": lambda span: span.name,
    "type": lambda span: span.span_type,
    "status": lambda span: span.status.status_code.value,
    "cost": lambda span: _total(span.get_attribute(SpanAttributeKey.COST)),
    "span_id": lambda span: span.span_id,
    "parent_id": lambda span: span.parent_id,
    "start_time_ms": lambda span: span.start_time_ns,  # nanoseconds: see spanscope.search.times
    "duration_ms": lambda span: span.duration_ns,
    "model": _model,
}


def _total(cost: Any) -> Any:
    """The total of a cost the store set (`TraceInfo.cost`, the span attribute), or None."""
    if not isinstance(cost, dict):
        return None
    total = cost.get("total")
    return total if isinstance(total, (int, float)) and not isinstance(total, bool) else None


def matches(expr: Expr, trace: Trace) -> bool:
    """Whether `trace` satisfies `expr` (see the module docstring for the semantics)."""
    if isinstance(expr, Comparison):
        return _comparison(expr, trace)
    if isinstance(expr, And):
        return all(matches(e, trace) for e in expr.operands)
    if isinstance(expr, Or):
        return any(matches(e, trace) for e in expr.operands)
    if isinstance(expr, Not):
        return not matches(expr.operand, trace)
    if isinstance(expr, SpanGroup):
        return any(span_matches(expr.expr, span, trace.info) for span in trace.data.spans)
    raise TypeError(f"not a filter expression: {expr!r}")


def span_matches(expr: Expr, span: Span, info: TraceInfo) -> bool:
    """Whether `span` (of the trace `info`) satisfies the span-scoped `expr`: span fields are
    that span's, trace fields (tags, metadata, feedback...) its trace's."""
    if isinstance(expr, Comparison):
        if expr.field.kind in (FieldKind.SPAN, FieldKind.SPAN_ATTRIBUTE, FieldKind.TEXT):
            return _span_comparison(expr, span)
        if expr.field.kind in (FieldKind.FEEDBACK, FieldKind.EXPECTATION):
            values = assessment_values(info, expr.field)
            return _existential(expr.op, values, expr.value, booleans=True)
        return _trace_comparison(expr, info)
    if isinstance(expr, And):
        return all(span_matches(e, span, info) for e in expr.operands)
    if isinstance(expr, Or):
        return any(span_matches(e, span, info) for e in expr.operands)
    if isinstance(expr, Not):
        return not span_matches(expr.operand, span, info)
    raise TypeError(f"not a span filter expression: {expr!r}")


def span_text_fields(span: Span) -> list[str]:
    """The texts of one span full-text search looks at: its name, its inputs and outputs as
    compact JSON (as stores keep them)."""
    return value_texts(span.name, span.inputs, span.outputs)


def value_texts(name: str, *values: Any) -> list[str]:
    """The texts of a span named `name` with inputs and outputs `values` (None: absent)."""
    texts = [replace_unstorable(name)]
    for value in values:
        if value is not None:
            encoded = orjson.dumps(value).decode()  # NUL escaped, never raw
            texts.append(replace_unstorable_json(encoded) if "\\u0000" in encoded else encoded)
    return texts


def span_field_value(span: Span, key: str) -> Any:
    """The value of the span field `key` (e.g. "model"); times in nanoseconds."""
    return _SPAN_GETTERS[key](span)


def _span_comparison(comparison: Comparison, span: Span) -> bool:
    field, op, expected = comparison.field, comparison.op, comparison.value
    if field.kind is FieldKind.TEXT:
        return any(_test(op, text, expected) for text in span_text_fields(span))
    value = _span_value(span, field)
    if op is Op.IS_NULL:
        return value is None
    if op is Op.IS_NOT_NULL:
        return value is not None
    if field.kind is FieldKind.SPAN and field.key in SPAN_TIME_FIELDS:
        return passes_nanos(nanos_test(op, expected), value)
    return _test(op, value, expected)


def trace_text_fields(trace: Trace) -> list[str]:
    """The texts full-text search (`text LIKE/ILIKE`) looks at; stores index the same list.

    The trace name and request/response previews, then for each span its name and its inputs
    and outputs as compact JSON; as stores keep them (U+0000 replaced by U+FFFD).
    """
    info = trace.info
    plain = (info.name, info.request_preview, info.response_preview)
    texts = [replace_unstorable(t) for t in plain if t is not None]
    for span in trace.data.spans:
        texts.extend(span_text_fields(span))
    return texts


def _comparison(comparison: Comparison, trace: Trace) -> bool:
    field, op, expected = comparison.field, comparison.op, comparison.value
    kind = field.kind
    if kind is FieldKind.TEXT:
        return any(_test(op, text, expected) for text in trace_text_fields(trace))
    if kind is FieldKind.FEEDBACK or kind is FieldKind.EXPECTATION:
        return _existential(op, assessment_values(trace.info, field), expected, booleans=True)
    if kind is FieldKind.SPAN or kind is FieldKind.SPAN_ATTRIBUTE:
        values = [_span_value(span, field) for span in trace.data.spans]
        if kind is FieldKind.SPAN and field.key in SPAN_TIME_FIELDS and op not in _NULL_OPS:
            test = nanos_test(op, expected)
            return any(passes_nanos(test, v) for v in values)
        return _existential(op, values, expected)
    return _trace_comparison(comparison, trace.info)


_NULL_OPS = (Op.IS_NULL, Op.IS_NOT_NULL)


def _trace_comparison(comparison: Comparison, info: TraceInfo) -> bool:
    op, expected = comparison.op, comparison.value
    value = _trace_value(info, comparison.field)
    if op is Op.IS_NULL:
        return value is None
    if op is Op.IS_NOT_NULL:
        return value is not None
    return _test(op, value, expected)


def _existential(op: Op, values: list[Any], expected: Value, *, booleans: bool = False) -> bool:
    if op is Op.IS_NULL:
        return all(v is None for v in values)
    if op is Op.IS_NOT_NULL:
        return any(v is not None for v in values)
    return any(_test(op, v, expected, booleans=booleans) for v in values)


def assessment_values(info: TraceInfo, field: Field) -> list[Any]:
    """The values of the trace's valid assessments that `field` (feedback.<name> or
    expectation.<name>) names; names compare as stored (U+0000 read as U+FFFD)."""
    kind = "feedback" if field.kind is FieldKind.FEEDBACK else "expectation"
    wanted = replace_unstorable(field.key)
    return [
        a.value
        for a in info.assessments
        if a.valid and a.kind == kind and replace_unstorable(a.name) == wanted
    ]


def _trace_value(info: TraceInfo, field: Field) -> Any:
    if field.kind is FieldKind.TAG:
        return _get(info.tags, field.key)
    if field.kind is FieldKind.METADATA:
        return _get(info.metadata, field.key)
    return trace_field_value(info, field.key)


def _get(mapping: dict[str, Any], key: str) -> Any:
    """`mapping[key]`, None when missing; keys compare as stored (U+0000 read as U+FFFD)."""
    found = mapping.get(key)
    if found is not None or (REPLACEMENT not in key and not has_unstorable(key)):
        return found
    wanted = replace_unstorable(key)
    return next((v for k, v in mapping.items() if replace_unstorable(k) == wanted), None)


def trace_field_value(info: TraceInfo, name: str) -> Any:
    """The value of the trace field `name` (e.g. "timestamp_ms"), None when missing."""
    return _TRACE_GETTERS[name](info)


def _span_value(span: Span, field: Field) -> Any:
    if field.kind is FieldKind.SPAN:
        return _SPAN_GETTERS[field.key](span)
    # The same view as Span.attributes: spanscope's reserved keys are not attributes here.
    return _get(span.attributes, field.key)


def _class(value: Any, booleans: bool = False) -> str | None:
    """'number', 'string', 'bool' (with `booleans`) or None (missing, bool, list, dict): only
    equal classes compare."""
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool" if booleans else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return None


def _test(op: Op, actual: Any, expected: Value, *, booleans: bool = False) -> bool:
    """One comparison of a present-or-missing value; false on missing or mismatched types."""
    actual_class = _class(actual, booleans)
    if actual_class is None or expected is None:
        return False
    if actual_class == "string":
        actual = replace_unstorable(actual)
        if isinstance(expected, str):
            expected = replace_unstorable(expected)
        elif isinstance(expected, tuple):
            expected = tuple(replace_unstorable(x) if isinstance(x, str) else x for x in expected)
    if isinstance(expected, tuple):
        same_class = [x for x in expected if _class(x, booleans) == actual_class]
        if not same_class:
            return False
        hit = actual in same_class
        return hit if op is Op.IN else not hit
    if _class(expected, booleans) != actual_class:
        return False
    if op is Op.EQ:
        return bool(actual == expected)
    if op is Op.NE:
        return bool(actual != expected)
    if op in (Op.LIKE, Op.NOT_LIKE, Op.ILIKE, Op.NOT_ILIKE):
        assert isinstance(expected, str)
        found = like_match(actual, expected, case_insensitive=op in (Op.ILIKE, Op.NOT_ILIKE))
        return found if op in (Op.LIKE, Op.ILIKE) else not found
    if actual_class != "number":  # the parser allows ordering on numbers only
        return False
    if op is Op.LT:
        return bool(actual < expected)
    if op is Op.LE:
        return bool(actual <= expected)
    if op is Op.GT:
        return bool(actual > expected)
    if op is Op.GE:
        return bool(actual >= expected)
    return False


def _like_tokens(pattern: str) -> list[str | None]:
    """The pattern as literal characters, None for `_`, and "%" markers (escapes resolved)."""
    tokens: list[str | None] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            tokens.append("\\" + pattern[i + 1])  # an escaped character, literal
            i += 2
            continue
        tokens.append(None if c == "_" else c)
        i += 1
    return tokens


def like_to_regex(pattern: str, *, case_insensitive: bool = False) -> re.Pattern[str]:
    """A regex that fullmatches exactly the strings LIKE (or ILIKE) `pattern` matches.

    For ILIKE, match it against `value.lower()`: the pattern is lowered here.
    """
    if case_insensitive:
        pattern = pattern.lower()
    parts = []
    for token in _like_tokens(pattern):
        if token is None:
            parts.append(".")
        elif token == "%":
            parts.append(".*")
        else:
            parts.append(re.escape(token[-1]))
    return re.compile("".join(parts), re.DOTALL)


class _LikeMatcher:
    """Matches a LIKE pattern in O(len(value) * len(pattern)) without regex backtracking.

    The pattern is split at `%` into fixed-length segments; the first must match at the start,
    the last at the end, and each middle one is taken at its leftmost match (which is optimal
    when only `%` separates segments), so `%a%a%a%b` cannot blow up like `.*a.*a.*a.*b` can.
    """

    __slots__ = ("_segments", "_wildcard")

    def __init__(self, pattern: str) -> None:
        segments: list[list[str]] = [[]]
        for token in _like_tokens(pattern):
            if token == "%":
                segments.append([])
            elif token is None:
                segments[-1].append(".")
            else:
                segments[-1].append(re.escape(token[-1]))
        self._wildcard = len(segments) > 1
        self._segments = [(re.compile("".join(s), re.DOTALL), len(s)) for s in segments]

    def __call__(self, value: str) -> bool:
        if not self._wildcard:
            return self._segments[0][0].fullmatch(value) is not None
        (first, first_len), *middle, (last, last_len) = self._segments
        if first.match(value) is None:
            return False
        position = first_len
        end = len(value) - last_len
        if end < position or last.fullmatch(value, end) is None:
            return False
        for segment, length in middle:
            if length == 0:
                continue
            found = segment.search(value, position, end)
            if found is None:
                return False
            position = found.end()
        return True


@functools.lru_cache(maxsize=256)
def _matcher(pattern: str) -> _LikeMatcher:
    return _LikeMatcher(pattern)


def like_match(value: str, pattern: str, *, case_insensitive: bool = False) -> bool:
    """Whether `value` LIKE `pattern` (ILIKE with `case_insensitive`, comparing str.lower())."""
    if case_insensitive:
        return _matcher(pattern.lower())(value.lower())
    return _matcher(pattern)(value)
