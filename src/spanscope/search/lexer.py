"""Tokens of the filter language.

* field paths: a letter or `_`, then everything up to whitespace or one of ``= ! < > ( ) , ' " ` ``
  (so `span.attributes.gen_ai.usage.input_tokens` is one token); a path ending in `.` may be
  followed by a backtick-quoted key (`` tags.`my key` ``, a literal backtick doubled).
  Paths spelling AND, OR, NOT, LIKE, ILIKE, IN, IS, NULL (any case) are keywords.
* strings: '...' or "...", the quote doubled inside ('it''s'); backslash is an ordinary character
  so LIKE escapes read as written ('50\\%').
* numbers: -?[0-9]+(.[0-9]+)? ; integers must fit in 64 bits.
* operators = != <> < <= > >=, and ( ) ,
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass

from spanscope.search.errors import filter_error
from spanscope.search.fields import PATH_STOP

__all__ = ["KEYWORDS", "Token", "TokenKind", "describe", "tokenize"]

KEYWORDS = frozenset({"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "NULL"})

_DIGITS = frozenset("0123456789")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
# More digits than this cannot fit in 64 bits; checked before int() (which caps digit counts).
_MAX_INT_CHARS = 20
_OPERATORS = ("!=", "<>", "<=", ">=", "=", "<", ">")


class TokenKind(enum.Enum):
    PATH = "field"
    KEYWORD = "keyword"
    STRING = "string"
    NUMBER = "number"
    OP = "operator"
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    EOF = "end of filter"


@dataclass(frozen=True, slots=True)
class Token:
    """One token. `text` is the source slice; `value` the decoded meaning.

    PATH: value is the unquoted part, `key` the backtick-quoted key if any. KEYWORD: value is the
    uppercase keyword. STRING: the decoded string. OP: the canonical operator ("<>" -> "!=").
    NUMBER: `number` holds the int or float.
    """

    kind: TokenKind
    pos: int
    text: str
    value: str = ""
    key: str | None = None
    number: int | float = 0


def _is_path_char(c: str) -> bool:
    return c not in PATH_STOP and not c.isspace()


def describe(token: Token) -> str:
    """`token` as error messages name it: a field or operator quoted, others by kind."""
    if token.kind is TokenKind.EOF:
        return "the end of the filter"
    text = token.text if len(token.text) <= 40 else token.text[:37] + "..."
    if token.kind in (TokenKind.PATH, TokenKind.OP):
        return repr(text)
    return f"{token.kind.value} {text}"


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, ending with EOF; InvalidFilterError on a malformed token."""
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            tokens.append(Token(TokenKind.EOF, n, ""))
            return tokens
        c = text[i]
        if c in "'\"":
            token = _string(text, i)
        elif c.isalpha() or c == "_":
            token = _path(text, i)
        elif c in _DIGITS or (c == "-" and i + 1 < n and text[i + 1] in _DIGITS):
            token = _number(text, i)
        elif c == "(":
            token = Token(TokenKind.LPAREN, i, c)
        elif c == ")":
            token = Token(TokenKind.RPAREN, i, c)
        elif c == ",":
            token = Token(TokenKind.COMMA, i, c)
        else:
            token = _operator(text, i)
        tokens.append(token)
        i = token.pos + len(token.text)


def _string(text: str, start: int) -> Token:
    quote = text[start]
    parts = []
    i = start + 1
    while True:
        end = text.find(quote, i)
        if end < 0:
            raise filter_error(
                text,
                start,
                "unterminated string",
                f"strings end with a matching {quote}; write a {quote} inside as {quote * 2}",
            )
        parts.append(text[i:end])
        if text.startswith(quote, end + 1):  # a doubled quote stands for one quote
            parts.append(quote)
            i = end + 2
            continue
        return Token(TokenKind.STRING, start, text[start : end + 1], "".join(parts))


def _path(text: str, start: int) -> Token:
    i = start
    n = len(text)
    while i < n and _is_path_char(text[i]):
        i += 1
    unquoted = text[start:i]
    if i < n and text[i] == "`" and unquoted.endswith("."):
        key, end = _backtick_key(text, i)
        if end < n and (_is_path_char(text[end]) or text[end] == "`"):
            raise filter_error(
                text, end, "unexpected character after a quoted key", "a quoted key ends the field"
            )
        return Token(TokenKind.PATH, start, text[start:end], unquoted, key)
    # ASCII only: str.upper() maps some other letters onto ASCII ones (dotless i -> "I").
    if unquoted.isascii() and unquoted.upper() in KEYWORDS:
        return Token(TokenKind.KEYWORD, start, unquoted, unquoted.upper())
    return Token(TokenKind.PATH, start, unquoted, unquoted)


def _backtick_key(text: str, start: int) -> tuple[str, int]:
    parts = []
    i = start + 1
    while True:
        end = text.find("`", i)
        if end < 0:
            raise filter_error(
                text, start, "unterminated quoted key", "a key quoted with ` ends with `"
            )
        parts.append(text[i:end])
        if text.startswith("`", end + 1):
            parts.append("`")
            i = end + 2
            continue
        key = "".join(parts)
        if not key:
            raise filter_error(text, start, "empty key", "a key has at least one character")
        return key, end + 1


def _number(text: str, start: int) -> Token:
    match = _NUMBER.match(text, start)
    assert match is not None  # the caller saw a digit
    end = match.end()
    literal = match.group()
    if end < len(text) and (_is_path_char(text[end])):
        j = end
        while j < len(text) and _is_path_char(text[j]):
            j += 1
        raise filter_error(
            text,
            start,
            f"invalid number {text[start:j]!r}",
            "numbers are written like 42, -7 or 3.25; quote strings: 'abc'",
        )
    number: int | float
    if "." in literal:
        number = float(literal)
        if not math.isfinite(number):
            raise filter_error(text, start, "number out of range", "numbers must be finite")
    else:
        number = int(literal) if len(literal) <= _MAX_INT_CHARS else _INT64_MAX + 1
        if not _INT64_MIN <= number <= _INT64_MAX:
            raise filter_error(
                text, start, "integer out of range", "integers fit in 64 bits (signed)"
            )
    return Token(TokenKind.NUMBER, start, literal, number=number)


def _operator(text: str, start: int) -> Token:
    if text.startswith("==", start):
        raise filter_error(text, start, "unknown operator '=='", "use = for equality")
    for op in _OPERATORS:
        if text.startswith(op, start):
            return Token(TokenKind.OP, start, op, "!=" if op == "<>" else op)
    char = text[start]
    hint = (
        "backticks quote a key after tags., metadata., span.attributes., feedback. or expectation."
        if char == "`"
        else ("operators are = != <> < <= > >= LIKE ILIKE IN IS NULL, combined with AND, OR, NOT")
    )
    raise filter_error(text, start, f"unexpected character {char!r}", hint)
