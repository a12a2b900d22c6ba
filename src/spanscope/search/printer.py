"""The canonical printer: `parse_filter(to_filter_string(expr)) == expr` for every valid AST."""

from __future__ import annotations

from decimal import Decimal

from spanscope.search.ast import And, Comparison, Expr, Not, Or, Scalar, SpanGroup
from spanscope.search.fields import field_to_string

__all__ = ["literal_to_string", "to_filter_string", "to_span_filter_string"]


def to_filter_string(expr: Expr) -> str:
    """The canonical filter string of `expr`: keywords upper case, strings single-quoted."""
    return _print(expr, span_scope=False)


def to_span_filter_string(expr: Expr) -> str:
    """The canonical search_spans filter string of `expr` (`parse_span_filter` reads it)."""
    return _print(expr, span_scope=True)


def _print(expr: Expr, span_scope: bool) -> str:
    if isinstance(expr, Comparison):
        return _comparison(expr, span_scope)
    if isinstance(expr, SpanGroup):
        return f"span({_print(expr.expr, span_scope=True)})"
    if isinstance(expr, Not):
        inner = _print(expr.operand, span_scope)
        return f"NOT ({inner})" if isinstance(expr.operand, (And, Or)) else f"NOT {inner}"
    if isinstance(expr, And):
        # A nested And or Or needs parentheses to keep its own node.
        return " AND ".join(_wrap(e, (And, Or), span_scope) for e in expr.operands)
    if isinstance(expr, Or):
        # AND binds tighter than OR, so only a nested Or needs parentheses.
        return " OR ".join(_wrap(e, (Or,), span_scope) for e in expr.operands)
    raise TypeError(f"not a filter expression: {expr!r}")


def _wrap(expr: Expr, needs_parens: tuple[type, ...], span_scope: bool) -> str:
    text = _print(expr, span_scope)
    return f"({text})" if isinstance(expr, needs_parens) else text


def _comparison(comparison: Comparison, span_scope: bool) -> str:
    field = field_to_string(comparison.field, span_scope=span_scope)
    value = comparison.value
    if value is None:
        return f"{field} {comparison.op.value}"
    if isinstance(value, tuple):
        items = ", ".join(literal_to_string(v) for v in value)
        return f"{field} {comparison.op.value} ({items})"
    return f"{field} {comparison.op.value} {literal_to_string(value)}"


def literal_to_string(value: Scalar) -> str:
    """A literal as the lexer reads it: 'it''s', 42, -1.5 (never an exponent), true."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" in text or "E" in text:
        # repr is the shortest round-tripping form; its plain decimal expansion round-trips too.
        text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"
