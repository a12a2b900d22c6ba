"""The filter AST: what `parse_filter` returns and what every store compiles or evaluates.

The tree is small on purpose so a SQL compiler maps it one node to one clause:

* `Comparison(field, op, value)`: one predicate. `value` is a `str`, `int` or `float` literal
  (a `bool` only for feedback / expectation fields),
  a non-empty tuple of them for IN / NOT IN, and None for IS NULL / IS NOT NULL. Every value is a
  bound parameter; nothing in the tree is SQL text.
* `And(operands)` / `Or(operands)`: n-ary (two or more operands), flattened within one level of
  parentheses; `Not(operand)`.
* `SpanGroup(expr)`: `span(...)`, true when ONE span of the trace satisfies all of `expr`, whose
  comparisons name span fields only (FieldKind.SPAN, SPAN_ATTRIBUTE, and TEXT meaning that span's
  texts). The filter of `search_spans` is such a span-scoped expression at the top, where trace
  kinds (TRACE, TAG, METADATA, FEEDBACK, EXPECTATION) name the span's trace.

Every comparison is two-valued: on a missing value it is false (IS NULL: true), so `Not` is plain
boolean negation. A compiler must keep it so (e.g. `col IS NOT NULL AND col = :p`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "And",
    "Comparison",
    "Expr",
    "Field",
    "FieldKind",
    "Not",
    "Op",
    "Or",
    "Scalar",
    "SpanGroup",
    "Value",
]


class FieldKind(str, enum.Enum):
    """Where a field's value lives."""

    TRACE = "trace"  # a trace column; key is the field name (e.g. "timestamp_ms")
    TAG = "tag"  # tags.<key>
    METADATA = "metadata"  # metadata.<key>
    # A span field, existential over spans at trace level; key is one of SPAN_FIELD_KEYS
    # ("name", "type", "status", "duration_ms", "model", ...).
    SPAN = "span"
    SPAN_ATTRIBUTE = "span_attribute"  # span.attributes.<key>, a JSON value, existential
    TEXT = "text"  # full text over trace_text_fields(); key is ""
    FEEDBACK = "feedback"  # feedback.<name>: the valid feedback values of that name, existential
    EXPECTATION = "expectation"  # expectation.<name>: likewise for expectations


class Op(str, enum.Enum):
    """Comparison operators; the value is the canonical spelling in a filter string."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    LIKE = "LIKE"
    NOT_LIKE = "NOT LIKE"
    ILIKE = "ILIKE"
    NOT_ILIKE = "NOT ILIKE"
    IN = "IN"
    NOT_IN = "NOT IN"
    IS_NULL = "IS NULL"
    IS_NOT_NULL = "IS NOT NULL"


Scalar: TypeAlias = str | int | float
Value: TypeAlias = Scalar | tuple[Scalar, ...] | None


@dataclass(frozen=True, slots=True)
class Field:
    """A field of the filter language: its kind and its key (see FieldKind)."""

    kind: FieldKind
    key: str = ""

    @classmethod
    def trace(cls, name: str) -> Field:
        return cls(FieldKind.TRACE, name)

    @classmethod
    def tag(cls, key: str) -> Field:
        return cls(FieldKind.TAG, key)

    @classmethod
    def metadata(cls, key: str) -> Field:
        return cls(FieldKind.METADATA, key)

    @classmethod
    def span(cls, name: str) -> Field:
        return cls(FieldKind.SPAN, name)

    @classmethod
    def span_attribute(cls, key: str) -> Field:
        return cls(FieldKind.SPAN_ATTRIBUTE, key)

    @classmethod
    def text(cls) -> Field:
        return cls(FieldKind.TEXT, "")

    @classmethod
    def feedback(cls, name: str) -> Field:
        return cls(FieldKind.FEEDBACK, name)

    @classmethod
    def expectation(cls, name: str) -> Field:
        return cls(FieldKind.EXPECTATION, name)


@dataclass(frozen=True, slots=True)
class Comparison:
    """`field op value`; see the module docstring for the shape of `value`."""

    field: Field
    op: Op
    value: Value = None


@dataclass(frozen=True, slots=True)
class And:
    """All operands hold (two or more)."""

    operands: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if len(self.operands) < 2:
            raise ValueError("And needs at least two operands")


@dataclass(frozen=True, slots=True)
class Or:
    """At least one operand holds (two or more)."""

    operands: tuple[Expr, ...]

    def __post_init__(self) -> None:
        if len(self.operands) < 2:
            raise ValueError("Or needs at least two operands")


@dataclass(frozen=True, slots=True)
class Not:
    """The operand does not hold."""

    operand: Expr


@dataclass(frozen=True, slots=True)
class SpanGroup:
    """`span(expr)`: some single span of the trace satisfies `expr` (span fields only)."""

    expr: Expr


Expr: TypeAlias = Comparison | And | Or | Not | SpanGroup
