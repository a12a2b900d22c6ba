"""Parse and type-check a filter string into the AST.

    filter     := or_expr
    or_expr    := and_expr (OR and_expr)*
    and_expr   := unary (AND unary)*
    unary      := NOT* primary
    primary    := '(' or_expr ')' | span_group | comparison
    span_group := 'span' '(' or_expr ')'     (its comparisons name span fields without prefix)
    comparison := field (cmp_op literal | [NOT] LIKE string | [NOT] ILIKE string
                         | [NOT] IN '(' literal (',' literal)* ')' | IS [NOT] NULL)
    literal    := string | number | true | false   (true / false: feedback. and expectation.)

AND binds tighter than OR; NOT applies to the primary after it. Every error is an
InvalidFilterError pointing at the offending token.

`parse_span_filter` reads the filter of search_spans: the span-scoped grammar of a span group
(span fields unprefixed) at the top, where `trace.<field>` also names the span's trace.

Limits (docs/search.md): MAX_FILTER_LENGTH characters, MAX_DEPTH levels of parentheses and NOT,
MAX_COMPARISONS comparisons. They are checked here, before any store sees the filter, and every
filter within them runs on every backend (tests/store/test_filter_limits.py).
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import NoReturn

from spanscope.exceptions import InvalidFilterError
from spanscope.search.ast import And, Comparison, Expr, Field, Not, Op, Or, Scalar
from spanscope.search.errors import filter_error
from spanscope.search.fields import (
    FIELD_NAMES,
    KEYED_PREFIXES,
    SPAN_FIELD_NAMES,
    FieldSpec,
    ValueType,
    field_spec,
    field_to_string,
    lookup_field,
)
from spanscope.search.lexer import Token, TokenKind, tokenize
from spanscope.search.lexer import describe as _describe
from spanscope.search.span_groups import SpanGroups

__all__ = ["MAX_COMPARISONS", "MAX_DEPTH", "MAX_FILTER_LENGTH", "parse_filter", "parse_span_filter"]

MAX_FILTER_LENGTH = 10_000
MAX_DEPTH = 50  # levels of parentheses plus NOTs
MAX_COMPARISONS = 200  # an IN list is one comparison, whatever its length

_LIKE_OPS = frozenset({Op.LIKE, Op.NOT_LIKE, Op.ILIKE, Op.NOT_ILIKE})
_ORDER_OPS = frozenset({Op.LT, Op.LE, Op.GT, Op.GE})
_LIST_OPS = frozenset({Op.IN, Op.NOT_IN})
_NULL_OPS = frozenset({Op.IS_NULL, Op.IS_NOT_NULL})
_BOOLEANS = ("true", "false")
_ACCEPTED_FIELDS = (
    "accepted fields: "
    + ", ".join(FIELD_NAMES)
    + "; span(<conditions>) holds when one span meets all of them"
)
_ACCEPTED_GROUP_FIELDS = "accepted fields inside span(...): " + ", ".join(SPAN_FIELD_NAMES)
_ACCEPTED_SPAN_FIELDS = (
    "accepted fields: "
    + ", ".join(SPAN_FIELD_NAMES)
    + ", and the span's trace as trace.<field> (e.g. trace.status, trace.tags.<key>)"
)
_LIKE_HELP = "LIKE patterns: % matches any run of characters, _ one character, \\ escapes them"


def parse_filter(filter_string: str | None) -> Expr | None:
    """Parse `filter_string`; None for an empty or blank filter (no filtering).

    Raises InvalidFilterError, and nothing else, for any malformed input.
    """
    return _parse(filter_string, spans=False)


def parse_span_filter(filter_string: str | None) -> Expr | None:
    """Parse the filter of search_spans (span fields unprefixed, the trace's as `trace.`);
    None for an empty or blank filter. InvalidFilterError for any malformed input."""
    return _parse(filter_string, spans=True)


def _parse(filter_string: str | None, spans: bool) -> Expr | None:
    if filter_string is None:
        return None
    if not isinstance(filter_string, str):
        raise InvalidFilterError(
            f"invalid filter: expected a string, got {type(filter_string).__name__}", "", None
        )
    if len(filter_string) > MAX_FILTER_LENGTH:
        raise filter_error(
            filter_string,
            MAX_FILTER_LENGTH,
            f"filter is longer than {MAX_FILTER_LENGTH} characters",
            f"filters have at most {MAX_FILTER_LENGTH} characters",
        )
    if not filter_string.strip():
        return None
    return _Parser(filter_string, tokenize(filter_string), spans).parse()


def _is_number(value: Scalar) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _accepted_ops(spec: FieldSpec) -> str:
    ops = ", ".join(op.value for op in spec.ops)
    text = f"accepted operators for {spec.spelling} ({spec.value_type.value}): {ops}"
    if spec.values:
        text += "\n" + _accepted_values(spec)
    return text


def _accepted_values(spec: FieldSpec) -> str:
    return f"accepted values for {spec.spelling}: " + ", ".join(f"'{v}'" for v in spec.values)


def _suggest(name: str) -> str | None:
    """The field name closest to a misspelt `name`, if one is close enough."""
    if len(name) > 100:
        return None
    segments = name.lower().split(".")
    best, best_ratio = None, 0.0
    for candidate in FIELD_NAMES:
        fixed = candidate.split(".<")[0]
        probe = ".".join(segments[: fixed.count(".") + 1])
        ratio = SequenceMatcher(None, probe, fixed).ratio()
        if ratio > best_ratio:
            best, best_ratio = candidate, ratio
    return best if best_ratio >= 0.75 else None


class _Parser(SpanGroups):
    def __init__(self, text: str, tokens: list[Token], spans: bool = False) -> None:
        self._text = text
        self._tokens = tokens
        self._i = 0
        self._comparisons = 0
        self._spans = spans  # a search_spans filter: span scope, trace. allowed
        self._group: Token | None = None  # the 'span' token of the group being read

    @property
    def _span_scope(self) -> bool:
        return self._spans or self._group is not None

    @property
    def _accepted_fields(self) -> str:
        if self._group is not None:
            return _ACCEPTED_GROUP_FIELDS
        return _ACCEPTED_SPAN_FIELDS if self._spans else _ACCEPTED_FIELDS

    def _name(self, field: Field) -> str:
        return field_to_string(field, span_scope=self._span_scope)

    def parse(self) -> Expr:
        expr = self._or(0)
        token = self._peek()
        if token.kind is TokenKind.RPAREN:
            self._fail(token, "unmatched ')'", "every ')' closes an earlier '('")
        if token.kind is not TokenKind.EOF:
            self._fail(
                token,
                f"expected AND, OR or the end of the filter, got {_describe(token)}",
                "combine comparisons with AND, OR, NOT and parentheses",
            )
        return expr

    # -- token helpers ---------------------------------------------------------------------

    def _peek(self) -> Token:
        return self._tokens[self._i]

    def _advance(self) -> Token:
        token = self._tokens[self._i]
        if token.kind is not TokenKind.EOF:
            self._i += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token.kind is TokenKind.KEYWORD and token.value == word:
            self._i += 1
            return True
        return False

    def _fail(self, token: Token, message: str, accepted: str) -> NoReturn:
        raise filter_error(self._text, token.pos, message, accepted)

    # -- boolean structure -----------------------------------------------------------------

    def _or(self, depth: int) -> Expr:
        operands = [self._and(depth)]
        while self._keyword("OR"):
            operands.append(self._and(depth))
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def _and(self, depth: int) -> Expr:
        operands = [self._unary(depth)]
        while self._keyword("AND"):
            operands.append(self._unary(depth))
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def _unary(self, depth: int) -> Expr:
        # NOTs are counted in a loop, not by recursion, so long chains cannot overflow the stack.
        nots = 0
        while self._peek().kind is TokenKind.KEYWORD and self._peek().value == "NOT":
            self._check_depth(self._advance(), depth + nots + 1)
            nots += 1
        expr = self._primary(depth + nots)
        for _ in range(nots):
            expr = Not(expr)
        return expr

    def _check_depth(self, token: Token, depth: int) -> None:
        if depth > MAX_DEPTH:
            self._fail(
                token,
                "filter nested too deeply",
                f"at most {MAX_DEPTH} levels of parentheses and NOT",
            )

    def _primary(self, depth: int) -> Expr:
        token = self._peek()
        if token.kind is TokenKind.LPAREN:
            self._check_depth(token, depth + 1)
            self._advance()
            expr = self._or(depth + 1)
            close = self._peek()
            if close.kind is not TokenKind.RPAREN:
                self._fail(
                    close,
                    f"expected ')' to close the '(' at position {token.pos}, "
                    f"got {_describe(close)}",
                    "combine comparisons with AND, OR, NOT and parentheses",
                )
            self._advance()
            return expr
        if token.kind is TokenKind.PATH:
            after = self._tokens[self._i + 1]
            if (
                token.key is None
                and token.value.lower() == "span"
                and after.kind is TokenKind.LPAREN
            ):
                return self._span_group(depth)
            return self._comparison()
        self._fail(
            token, f"expected a field, NOT or '(', got {_describe(token)}", self._accepted_fields
        )

    # -- comparisons -----------------------------------------------------------------------

    def _comparison(self) -> Comparison:
        self._comparisons += 1
        if self._comparisons > MAX_COMPARISONS:
            self._fail(
                self._peek(),
                f"filter has more than {MAX_COMPARISONS} comparisons",
                f"at most {MAX_COMPARISONS} comparisons; one IN list, "
                "as in name IN ('a', 'b'), replaces a chain of ORs",
            )
        field = self._field(self._advance())
        spec = field_spec(field)
        op, op_token = self._operator(spec)
        if op not in spec.ops:
            self._fail(
                op_token,
                f"operator {op.value} is not accepted for {self._name(field)}",
                _accepted_ops(spec),
            )
        if op in _NULL_OPS:
            return Comparison(field, op)
        if op in _LIST_OPS:
            return Comparison(field, op, self._list(field, spec, op))
        return Comparison(field, op, self._literal(field, spec, op))

    def _field(self, token: Token) -> Field:
        if self._span_scope:
            return self._span_field(token)
        if token.key is not None:
            kind = KEYED_PREFIXES.get(token.value.lower())
            if kind is None:
                self._fail(
                    token,
                    "a quoted key must follow tags., metadata., span.attributes., feedback. "
                    f"or expectation., "
                    f"not {token.value!r}",
                    _ACCEPTED_FIELDS,
                )
            return Field(kind, token.key)
        field = lookup_field(token.value)
        if field is not None:
            return field
        lowered = token.value.lower()
        if lowered in KEYED_PREFIXES:
            self._fail(
                token,
                f"missing key after {token.value!r}",
                f"write {lowered}<key>; quote a key with spaces in backticks: {lowered}`my key`",
            )
        message = f"unknown field {_describe(token)}"
        suggestion = _suggest(token.value)
        if suggestion is not None:
            message += f"; did you mean {suggestion}?"
        self._fail(token, message, _ACCEPTED_FIELDS)

    def _operator(self, spec: FieldSpec) -> tuple[Op, Token]:
        token = self._advance()
        if token.kind is TokenKind.OP:
            return Op(token.value), token
        if token.kind is TokenKind.KEYWORD:
            if token.value in ("LIKE", "ILIKE", "IN"):
                return Op(token.value), token
            if token.value == "NOT":
                after = self._advance()
                if after.kind is TokenKind.KEYWORD and after.value in ("LIKE", "ILIKE", "IN"):
                    return Op(f"NOT {after.value}"), token
                self._fail(after, "expected LIKE, ILIKE or IN after NOT", _accepted_ops(spec))
            if token.value == "IS":
                negated = self._keyword("NOT")
                after = self._advance()
                if after.kind is TokenKind.KEYWORD and after.value == "NULL":
                    return (Op.IS_NOT_NULL if negated else Op.IS_NULL), token
                self._fail(after, "expected NULL or NOT NULL after IS", _accepted_ops(spec))
        self._fail(
            token,
            f"expected an operator after {spec.spelling}, got {_describe(token)}",
            _accepted_ops(spec),
        )

    def _list(self, field: Field, spec: FieldSpec, op: Op) -> tuple[Scalar, ...]:
        example = "('a', 'b')" if spec.value_type is not ValueType.NUMBER else "(1, 2)"
        token = self._advance()
        if token.kind is not TokenKind.LPAREN:
            self._fail(
                token,
                f"{op.value} takes a list in parentheses, got {_describe(token)}",
                f"write {self._name(field)} {op.value} {example}",
            )
        if self._peek().kind is TokenKind.RPAREN:
            self._fail(
                self._peek(), f"empty {op.value} list", f"{op.value} takes one or more values"
            )
        values = [self._literal(field, spec, op)]
        while True:
            token = self._advance()
            if token.kind is TokenKind.RPAREN:
                return tuple(values)
            if token.kind is not TokenKind.COMMA:
                self._fail(
                    token,
                    f"expected ',' or ')' in the {op.value} list, got {_describe(token)}",
                    f"lists look like {example}",
                )
            values.append(self._literal(field, spec, op))

    def _literal(self, field: Field, spec: FieldSpec, op: Op) -> Scalar:
        token = self._advance()
        if token.kind is TokenKind.STRING:
            return self._check(field, spec, op, token, token.value)
        if token.kind is TokenKind.NUMBER:
            return self._check(field, spec, op, token, token.number)
        if token.kind is TokenKind.PATH and token.value.lower() in _BOOLEANS:
            if spec.value_type is ValueType.ASSESSMENT:
                return self._check(field, spec, op, token, token.value.lower() == "true")
            self._fail(
                token,
                f"{self._name(field)} does not take true or false",
                "true and false compare with feedback.<name> and expectation.<name>; "
                f"to compare with the text {token.text}, quote it: '{token.text}'",
            )
        if token.kind is TokenKind.KEYWORD and token.value == "NULL":
            self._fail(
                token,
                "NULL is not a value",
                "test for a missing value with IS NULL or IS NOT NULL",
            )
        accepted = "values are quoted strings ('abc', \"abc\") or numbers (42, -1.5)"
        if spec.value_type is ValueType.ASSESSMENT:
            accepted += ", or true / false"
        if token.kind is TokenKind.PATH:
            accepted += f"; to compare with the text {token.text}, quote it: '{token.text}'"
        self._fail(token, f"expected a value after {op.value}, got {_describe(token)}", accepted)

    def _check(self, field: Field, spec: FieldSpec, op: Op, token: Token, value: Scalar) -> Scalar:
        """Type-check one literal against the field and operator; return its canonical form."""
        name = self._name(field)
        if op in _LIKE_OPS:
            if not isinstance(value, str):
                kind_name = "boolean" if isinstance(value, bool) else "number"
                self._fail(
                    token,
                    f"{op.value} takes a string pattern, got {kind_name} {token.text}",
                    _LIKE_HELP,
                )
            self._check_pattern(token, value)
            return value
        kind = spec.value_type
        if kind is ValueType.NUMBER and isinstance(value, str):
            self._fail(
                token,
                f"{name} takes a number, got string {token.text}",
                f"{name} compares with numbers such as 42 or 1.5 (unquoted)",
            )
        if kind is ValueType.ENUM:
            canonical = value.upper() if isinstance(value, str) and value.isascii() else value
            if canonical not in spec.values:
                self._fail(token, f"invalid value {token.text} for {name}", _accepted_values(spec))
            return canonical
        if kind is ValueType.JSON and op in _ORDER_OPS and isinstance(value, str):
            self._fail(
                token,
                f"{op.value} on {name} takes a number, got string {token.text}",
                "span attributes compare with numbers by = != < <= > >=, "
                "with strings by = != LIKE ILIKE",
            )
        if kind is ValueType.ASSESSMENT and op in _ORDER_OPS and not _is_number(value):
            self._fail(
                token,
                f"{op.value} on {name} takes a number, got {token.text}",
                "feedback and expectations compare with numbers by = != < <= > >=, "
                "with true / false and strings by = != IN (and strings by LIKE ILIKE)",
            )
        if kind in (ValueType.STRING, ValueType.TEXT) and not isinstance(value, str):
            self._fail(
                token,
                f"{name} takes a string, got number {token.text}",
                f"quote it: {name} {op.value} '{token.text}'",
            )
        return value

    def _check_pattern(self, token: Token, pattern: str) -> None:
        i = 0
        while i < len(pattern):
            if pattern[i] == "\\":
                if i + 1 == len(pattern):
                    # The dangling backslash sits just before the closing quote.
                    position = token.pos + len(token.text) - 2
                    raise filter_error(
                        self._text,
                        position,
                        "LIKE pattern ends with the escape character \\",
                        _LIKE_HELP + "; write \\\\ for a literal backslash",
                    )
                i += 2
            else:
                i += 1
