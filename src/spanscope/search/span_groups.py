"""Parsing span(...) groups, the conditions one span of a trace must meet together, and the
span-scoped field names they and search_spans filters take: span fields unprefixed, and in a
search_spans filter the span's trace as trace.<field>. The filter parser (parser.py) reads
everything else."""

from __future__ import annotations

from typing import NoReturn

from spanscope.search.ast import Expr, Field, SpanGroup
from spanscope.search.fields import lookup_field, lookup_span_field, span_keyed_prefixes
from spanscope.search.lexer import Token, TokenKind
from spanscope.search.lexer import describe as _describe

__all__ = ["SpanGroups"]


class SpanGroups:
    """The span-scope part of the filter parser (a mixin of parser._Parser)."""

    _spans: bool  # a search_spans filter: span scope, trace. allowed
    _group: Token | None  # the 'span' token of the group being read

    @property
    def _accepted_fields(self) -> str:
        raise NotImplementedError

    def _peek(self) -> Token:
        raise NotImplementedError

    def _advance(self) -> Token:
        raise NotImplementedError

    def _fail(self, token: Token, message: str, accepted: str) -> NoReturn:
        raise NotImplementedError

    def _check_depth(self, token: Token, depth: int) -> None:
        raise NotImplementedError

    def _or(self, depth: int) -> Expr:
        raise NotImplementedError

    def _span_group(self, depth: int) -> SpanGroup:
        token = self._advance()
        if self._group is not None:
            self._fail(
                token,
                "span(...) groups do not nest",
                "the conditions of one span(...) group already hold on one span",
            )
        if self._spans:
            self._fail(
                token,
                "span(...) is for trace filters",
                "a search_spans filter speaks of one span already: write its conditions "
                "directly, e.g. type = 'TOOL' AND status = 'ERROR'",
            )
        open_paren = self._peek()
        self._check_depth(open_paren, depth + 1)
        self._advance()
        self._group = token
        try:
            expr = self._or(depth + 1)
        finally:
            self._group = None
        close = self._peek()
        if close.kind is not TokenKind.RPAREN:
            self._fail(
                close,
                f"expected ')' to close span( at position {token.pos}, got {_describe(close)}",
                "span(<conditions>) takes span fields combined with AND, OR, NOT and parentheses",
            )
        self._advance()
        return SpanGroup(expr)

    def _span_field(self, token: Token) -> Field:
        prefixes = span_keyed_prefixes(with_trace=self._spans)
        if token.key is not None:
            kind = prefixes.get(token.value.lower())
            if kind is None:
                self._fail(
                    token,
                    "a quoted key must follow " + ", ".join(prefixes) + f", not {token.value!r}",
                    self._accepted_fields,
                )
            return Field(kind, token.key)
        field = lookup_span_field(token.value, with_trace=self._spans)
        if field is not None:
            return field
        lowered = token.value.lower()
        if lowered in prefixes:
            self._fail(
                token,
                f"missing key after {token.value!r}",
                f"write {lowered}<key>; quote a key with spaces in backticks: {lowered}`my key`",
            )
        message = f"unknown field {_describe(token)}"
        if self._group is not None:
            if lookup_field(token.value) is not None:
                message += " inside span(...); span fields are named without a prefix there"
        elif lowered.startswith("span."):
            message += "; name span fields without the span. prefix"
        elif lookup_field(token.value) is not None:
            message += "; name the trace's fields as trace.<field>"
        self._fail(token, message, self._accepted_fields)
