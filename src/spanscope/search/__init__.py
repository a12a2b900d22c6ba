"""spanscope's filter language: one grammar for the Python API, REST API, CLI and UI.

`parse_filter` turns a filter string into an AST (see `spanscope.search.ast`), `matches`
evaluates it on a trace, and `to_filter_string` prints it back. See docs/search.md.
"""

from spanscope.search.ast import And, Comparison, Expr, Field, FieldKind, Not, Op, Or, Scalar, Value
from spanscope.search.evaluate import (
    like_match,
    like_to_regex,
    matches,
    trace_field_value,
    trace_text_fields,
)
from spanscope.search.fields import FIELD_NAMES, FieldSpec, ValueType, field_spec, field_to_string
from spanscope.search.order_by import ORDER_BY_FIELDS, OrderBy, parse_order_by
from spanscope.search.parser import MAX_COMPARISONS, MAX_DEPTH, MAX_FILTER_LENGTH, parse_filter
from spanscope.search.printer import literal_to_string, to_filter_string

__all__ = [
    "FIELD_NAMES",
    "MAX_COMPARISONS",
    "MAX_DEPTH",
    "MAX_FILTER_LENGTH",
    "ORDER_BY_FIELDS",
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
    "to_filter_string",
    "trace_field_value",
    "trace_text_fields",
]
