"""spanscope's filter language: one grammar for the Python API, REST API, CLI and UI.

`parse_filter` turns a filter string into an AST (see `spanscope.search.ast`), `matches`
evaluates it on a trace, and `to_filter_string` prints it back. `parse_span_filter`,
`span_matches` and `to_span_filter_string` do the same for search_spans's span filters;
`sort_traces` orders traces as search_traces's `order_by` does.
See docs/search.md.
"""

from spanscope.search.ast import (
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
)
from spanscope.search.evaluate import (
    like_match,
    like_to_regex,
    matches,
    span_field_value,
    span_matches,
    span_text_fields,
    trace_field_value,
    trace_text_fields,
)
from spanscope.search.fields import (
    FIELD_NAMES,
    SPAN_FIELD_NAMES,
    FieldSpec,
    ValueType,
    field_spec,
    field_to_string,
)
from spanscope.search.order_by import ORDER_BY_FIELDS, OrderBy, parse_order_by
from spanscope.search.parser import (
    MAX_COMPARISONS,
    MAX_DEPTH,
    MAX_FILTER_LENGTH,
    parse_filter,
    parse_span_filter,
)
from spanscope.search.printer import literal_to_string, to_filter_string, to_span_filter_string
from spanscope.search.span_order_by import SPAN_ORDER_BY_FIELDS, parse_span_order_by
from spanscope.search.trace_order import sort_traces

__all__ = [
    "FIELD_NAMES",
    "MAX_COMPARISONS",
    "MAX_DEPTH",
    "MAX_FILTER_LENGTH",
    "ORDER_BY_FIELDS",
    "SPAN_FIELD_NAMES",
    "SPAN_ORDER_BY_FIELDS",
    "And",
    "Comparison",
    "Expr",
    "Field",
    "FieldKind",
    "FieldSpec",
    "Not",
    "Op",
    "Or",
    "OrderBy",
    "Scalar",
    "SpanGroup",
    "Value",
    "ValueType",
    "field_spec",
    "field_to_string",
    "like_match",
    "like_to_regex",
    "literal_to_string",
    "matches",
    "parse_filter",
    "parse_order_by",
    "parse_span_filter",
    "parse_span_order_by",
    "span_field_value",
    "span_matches",
    "span_text_fields",
    "sort_traces",
    "to_filter_string",
    "to_span_filter_string",
    "trace_field_value",
    "trace_text_fields",
]
