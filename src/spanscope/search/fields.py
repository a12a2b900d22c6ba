"""The field table of the filter language: names, value types, operators and allowed values."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from spanscope.entities.span_status import SpanStatusCode
from spanscope.entities.trace_info import TraceState
from spanscope.search.ast import Field, FieldKind, Op

__all__ = [
    "FIELD_NAMES",
    "KEYED_PREFIXES",
    "PATH_STOP",
    "SPAN_FIELD_NAMES",
    "SPAN_KEYED_PREFIXES",
    "SPAN_TIME_FIELDS",
    "FieldSpec",
    "ValueType",
    "field_spec",
    "field_to_string",
    "is_plain_key",
    "lookup_field",
    "lookup_span_field",
    "span_keyed_prefixes",
]


class ValueType(str, enum.Enum):
    """What literal a field takes."""

    STRING = "string"
    NUMBER = "number"
    ENUM = "enum"  # a string from FieldSpec.values
    JSON = "json"  # a string or a number, matched against a JSON attribute value
    TEXT = "text"  # a LIKE / ILIKE pattern over the full-text fields
    ASSESSMENT = "boolean, number or string"  # true / false, a number or a string


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How one field (or one keyed family such as `tags.<key>`) may be compared."""

    spelling: str  # as shown to users: "timestamp_ms", "tags.<key>"
    kind: FieldKind
    value_type: ValueType
    ops: tuple[Op, ...]
    values: tuple[str, ...] = ()  # the allowed values of an ENUM field

    @property
    def nullable(self) -> bool:
        return Op.IS_NULL in self.ops


_LIKE = (Op.LIKE, Op.NOT_LIKE, Op.ILIKE, Op.NOT_ILIKE)
_NULL = (Op.IS_NULL, Op.IS_NOT_NULL)
_ORDER = (Op.LT, Op.LE, Op.GT, Op.GE)
_STRING_OPS = (Op.EQ, Op.NE, *_LIKE, Op.IN, Op.NOT_IN)
_NUMBER_OPS = (Op.EQ, Op.NE, *_ORDER, Op.IN, Op.NOT_IN)
_ENUM_OPS = (Op.EQ, Op.NE, Op.IN, Op.NOT_IN)
_JSON_OPS = (Op.EQ, Op.NE, *_ORDER, *_LIKE, *_NULL)
_TEXT_OPS = (Op.LIKE, Op.ILIKE)
_ASSESSMENT_OPS = (Op.EQ, Op.NE, *_ORDER, *_LIKE, Op.IN, Op.NOT_IN, *_NULL)

_TRACE_STATES = tuple(s.value for s in TraceState)
_SPAN_STATUSES = tuple(s.value for s in SpanStatusCode)


def _trace(
    name: str, value_type: ValueType, ops: tuple[Op, ...], values: tuple[str, ...] = ()
) -> FieldSpec:
    return FieldSpec(name, FieldKind.TRACE, value_type, ops, values)


def _span(
    name: str, value_type: ValueType, ops: tuple[Op, ...], values: tuple[str, ...] = ()
) -> FieldSpec:
    return FieldSpec(f"span.{name}", FieldKind.SPAN, value_type, ops, values)


# IS NULL is offered only where a value can be missing.
_TRACE_FIELDS: dict[str, FieldSpec] = {
    spec.spelling: spec
    for spec in (
        _trace("trace_id", ValueType.STRING, _STRING_OPS),
        _trace("name", ValueType.STRING, (*_STRING_OPS, *_NULL)),
        _trace("status", ValueType.ENUM, _ENUM_OPS, _TRACE_STATES),
        _trace("timestamp_ms", ValueType.NUMBER, _NUMBER_OPS),
        _trace("execution_time_ms", ValueType.NUMBER, (*_NUMBER_OPS, *_NULL)),
        _trace("session_id", ValueType.STRING, (*_STRING_OPS, *_NULL)),
        _trace("user_id", ValueType.STRING, (*_STRING_OPS, *_NULL)),
        _trace("client_request_id", ValueType.STRING, (*_STRING_OPS, *_NULL)),
        _trace("request_preview", ValueType.STRING, (*_STRING_OPS, *_NULL)),
        _trace("response_preview", ValueType.STRING, (*_STRING_OPS, *_NULL)),
        # The trace's cost in USD (docs/cost.md); NULL when no LLM call could be priced.
        _trace("cost", ValueType.NUMBER, (*_NUMBER_OPS, *_NULL)),
        # The trace's token counts (TraceInfo.token_usage); NULL when no LLM call reported usage.
        _trace("input_tokens", ValueType.NUMBER, (*_NUMBER_OPS, *_NULL)),
        _trace("output_tokens", ValueType.NUMBER, (*_NUMBER_OPS, *_NULL)),
        _trace("total_tokens", ValueType.NUMBER, (*_NUMBER_OPS, *_NULL)),
    )
}
_SPAN_FIELDS: dict[str, FieldSpec] = {
    "name": _span("name", ValueType.STRING, _STRING_OPS),
    "type": _span("type", ValueType.STRING, _STRING_OPS),
    "status": _span("status", ValueType.ENUM, _ENUM_OPS, _SPAN_STATUSES),
    "cost": _span("cost", ValueType.NUMBER, (*_NUMBER_OPS, *_NULL)),
    "span_id": _span("span_id", ValueType.STRING, _STRING_OPS),
    "parent_id": _span("parent_id", ValueType.STRING, (*_STRING_OPS, *_NULL)),
    "start_time_ms": _span("start_time_ms", ValueType.NUMBER, _NUMBER_OPS),
    "duration_ms": _span("duration_ms", ValueType.NUMBER, (*_NUMBER_OPS, *_NULL)),
    # The gen_ai response model, else the request model (the first that is a string).
    "model": _span("model", ValueType.STRING, (*_STRING_OPS, *_NULL)),
}
# Span fields kept in nanoseconds and compared in milliseconds (see spanscope.search.times).
SPAN_TIME_FIELDS = frozenset({"start_time_ms", "duration_ms"})
_KEYED: dict[FieldKind, FieldSpec] = {
    FieldKind.TAG: FieldSpec("tags.<key>", FieldKind.TAG, ValueType.STRING, (*_STRING_OPS, *_NULL)),
    FieldKind.METADATA: FieldSpec(
        "metadata.<key>", FieldKind.METADATA, ValueType.STRING, (*_STRING_OPS, *_NULL)
    ),
    FieldKind.SPAN_ATTRIBUTE: FieldSpec(
        "span.attributes.<key>", FieldKind.SPAN_ATTRIBUTE, ValueType.JSON, _JSON_OPS
    ),
    FieldKind.FEEDBACK: FieldSpec(
        "feedback.<name>", FieldKind.FEEDBACK, ValueType.ASSESSMENT, _ASSESSMENT_OPS
    ),
    FieldKind.EXPECTATION: FieldSpec(
        "expectation.<name>", FieldKind.EXPECTATION, ValueType.ASSESSMENT, _ASSESSMENT_OPS
    ),
}
_TEXT = FieldSpec("text", FieldKind.TEXT, ValueType.TEXT, _TEXT_OPS)

# The prefixes that take a key, in the lowercase spelling a filter uses.
KEYED_PREFIXES: dict[str, FieldKind] = {
    "tags.": FieldKind.TAG,
    "metadata.": FieldKind.METADATA,
    "span.attributes.": FieldKind.SPAN_ATTRIBUTE,
    "feedback.": FieldKind.FEEDBACK,
    "expectation.": FieldKind.EXPECTATION,
}

# Inside span(...) and in a search_spans filter, span fields are named without a prefix.
SPAN_KEYED_PREFIXES: dict[str, FieldKind] = {"attributes.": FieldKind.SPAN_ATTRIBUTE}
# In a search_spans filter, `trace.` names the span's trace: its fields, tags, metadata and
# judgements (not its full text, not its other spans).
_TRACE_PREFIX = "trace."
_TRACE_KINDS = frozenset(
    {
        FieldKind.TRACE,
        FieldKind.TAG,
        FieldKind.METADATA,
        FieldKind.FEEDBACK,
        FieldKind.EXPECTATION,
    }
)

FIELD_NAMES: tuple[str, ...] = (
    *_TRACE_FIELDS,
    "tags.<key>",
    "metadata.<key>",
    *(spec.spelling for spec in _SPAN_FIELDS.values()),
    "span.attributes.<key>",
    "feedback.<name>",
    "expectation.<name>",
    "text",
)

SPAN_FIELD_NAMES: tuple[str, ...] = (*_SPAN_FIELDS, "attributes.<key>", "text")


def field_spec(field: Field) -> FieldSpec:
    """The spec of `field`; KeyError for a field the language does not have."""
    if field.kind is FieldKind.TRACE:
        return _TRACE_FIELDS[field.key]
    if field.kind is FieldKind.SPAN:
        return _SPAN_FIELDS[field.key]
    if field.kind is FieldKind.TEXT:
        return _TEXT
    return _KEYED[field.kind]


def lookup_span_field(name: str, *, with_trace: bool = False) -> Field | None:
    """The span-scoped field spelled `name` (inside span(...); with `with_trace`, as in a
    search_spans filter, also `trace.<trace field>`), or None."""
    lowered = name.lower() if name.isascii() else name
    if lowered in _SPAN_FIELDS:
        return Field.span(lowered)
    if lowered == "text":
        return Field.text()
    prefix = "attributes."
    head = name[: len(prefix)]
    if head.isascii() and head.lower() == prefix and len(name) > len(prefix):
        return Field.span_attribute(name[len(prefix) :])
    head = name[: len(_TRACE_PREFIX)]
    if with_trace and head.isascii() and head.lower() == _TRACE_PREFIX:
        found = lookup_field(name[len(_TRACE_PREFIX) :])
        if found is not None and found.kind in _TRACE_KINDS:
            return found
    return None


def span_keyed_prefixes(*, with_trace: bool) -> dict[str, FieldKind]:
    """The prefixes taking a (backtick-quoted) key in the span scope."""
    if not with_trace:
        return SPAN_KEYED_PREFIXES
    traced = {_TRACE_PREFIX + p: kind for p, kind in KEYED_PREFIXES.items() if kind in _TRACE_KINDS}
    return {**SPAN_KEYED_PREFIXES, **traced}


def lookup_field(name: str) -> Field | None:
    """The field spelled `name` (fixed names are case-insensitive, keys are not), or None."""
    # Only ASCII spellings fold: str.lower() maps some other letters onto ASCII ones.
    lowered = name.lower() if name.isascii() else name
    if lowered in _TRACE_FIELDS:
        return Field.trace(lowered)
    if lowered.startswith("span.") and lowered[5:] in _SPAN_FIELDS:
        return Field.span(lowered[5:])
    if lowered == "text":
        return Field.text()
    for prefix, kind in KEYED_PREFIXES.items():
        head = name[: len(prefix)]
        if head.isascii() and head.lower() == prefix and len(name) > len(prefix):
            return Field(kind, name[len(prefix) :])
    return None


# Characters that end an unquoted field path; a key made only of other characters needs no
# backticks. Keep in sync with the lexer.
PATH_STOP = frozenset("=!<>(),'\"`")


def is_plain_key(key: str) -> bool:
    """Whether `key` can be written without backticks after its prefix."""
    return bool(key) and not any(c in PATH_STOP or c.isspace() for c in key)


def field_to_string(field: Field, *, span_scope: bool = False) -> str:
    """The canonical spelling of `field` in a filter string (`span_scope`: inside span(...) or
    in a search_spans filter, where span fields have no prefix and trace fields `trace.`)."""
    if span_scope:
        if field.kind is FieldKind.SPAN or field.kind is FieldKind.TEXT:
            return field.key or "text"
        if field.kind is FieldKind.SPAN_ATTRIBUTE:
            return "attributes." + _key(field.key)
        return _TRACE_PREFIX + field_to_string(field)
    if field.kind is FieldKind.TRACE:
        return field.key
    if field.kind is FieldKind.SPAN:
        return f"span.{field.key}"
    if field.kind is FieldKind.TEXT:
        return "text"
    prefix = next(p for p, kind in KEYED_PREFIXES.items() if kind is field.kind)
    return prefix + _key(field.key)


def _key(key: str) -> str:
    return key if is_plain_key(key) else "`" + key.replace("`", "``") + "`"
