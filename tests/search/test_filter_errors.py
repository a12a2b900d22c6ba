"""Malformed filters: InvalidFilterError with what was wrong, where, and what is accepted."""

from __future__ import annotations

import pytest

from spanscope.exceptions import InvalidArgumentError, InvalidFilterError
from spanscope.search import (
    FIELD_NAMES,
    MAX_COMPARISONS,
    MAX_DEPTH,
    MAX_FILTER_LENGTH,
    Field,
    Op,
    field_spec,
    parse_filter,
)
from spanscope.search.fields import lookup_field

ALL_FIELDS = "accepted fields: " + ", ".join(FIELD_NAMES)


def parse_error(source: object, position: int | None, *fragments: str) -> InvalidFilterError:
    """Parse `source`, expecting an error at `position` whose message holds every fragment."""
    with pytest.raises(InvalidFilterError) as info:
        parse_filter(source)  # type: ignore[arg-type]
    error = info.value
    message = str(error)
    assert error.position == position, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    if isinstance(source, str) and "\n" not in source and len(source) < 60:
        # The filter is shown on its own line with a caret under the offending position.
        # Non-printable characters are shown as spaces, keeping the caret aligned.
        shown = "".join(c if c.isprintable() else " " for c in source)
        lines = message.splitlines()
        assert f"  {shown}" in lines, message
        caret = lines[lines.index(f"  {shown}") + 1]
        assert caret == " " * (2 + (error.position or 0)) + "^", message
        assert error.filter_string == source
    return error


def test_the_error_is_an_invalid_argument_and_a_value_error() -> None:
    error = parse_error("nme = 'x'", 0)
    assert isinstance(error, InvalidArgumentError)
    assert isinstance(error, ValueError)


# -- fields -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "position", "hint"),
    [
        ("nme = 'x'", 0, "did you mean name?"),
        ("name = 'x' AND stat = 'OK'", 15, "did you mean status?"),
        ("tag.env = 'x'", 0, "did you mean tags.<key>?"),
        ("span.typ = 'x'", 0, "did you mean span.type?"),
        ("span.attribute.k = 1", 0, "did you mean span.attributes.<key>?"),
        ("timestamp = 5", 0, "did you mean timestamp_ms?"),
        ("span.kind = 'x'", 0, "unknown field 'span.kind'"),
        ("attributes.k = 'x'", 0, "unknown field 'attributes.k'"),
        ("trace.name = 'x'", 0, "unknown field 'trace.name'"),
        ("tags = 'x'", 0, "unknown field 'tags'"),
    ],
)
def test_unknown_fields_list_the_accepted_fields(source: str, position: int, hint: str) -> None:
    parse_error(source, position, hint, ALL_FIELDS)


@pytest.mark.parametrize("prefix", ["tags.", "metadata.", "span.attributes."])
def test_missing_key(prefix: str) -> None:
    parse_error(f"{prefix} = 'x'", 0, f"missing key after '{prefix}'", f"{prefix}`my key`")


def test_quoted_key_errors() -> None:
    parse_error("tags.`` = 'x'", 5, "empty key")
    parse_error("tags.`abc = 'x'", 5, "unterminated quoted key")
    parse_error("tags.`a`b = 'x'", 8, "unexpected character after a quoted key")
    parse_error("name.`x` = 'x'", 0, "a quoted key must follow tags., metadata.", ALL_FIELDS)
    parse_error("`tags.x` = 'x'", 0, "unexpected character '`'", "backticks quote a key")


# -- operators --------------------------------------------------------------------------------


def _rejected_ops() -> list[tuple[str, Op]]:
    pairs: list[tuple[str, Op]] = []
    for name in FIELD_NAMES:
        field = lookup_field(name.replace("<key>", "k"))
        assert field is not None
        pairs.extend((name, op) for op in Op if op not in field_spec(field).ops)
    return pairs


@pytest.mark.parametrize(("name", "op"), _rejected_ops())
def test_every_rejected_operator_lists_the_accepted_ones(name: str, op: Op) -> None:
    text = name.replace("<key>", "k")
    field = lookup_field(text)
    assert field is not None
    spec = field_spec(field)
    value = "" if op in (Op.IS_NULL, Op.IS_NOT_NULL) else " ('x')" if "IN" in op.value else " 'x'"
    accepted = ", ".join(o.value for o in spec.ops)
    parse_error(
        f"{text} {op.value}{value}",
        len(text) + 1,
        f"operator {op.value} is not accepted for {text}",
        f"accepted operators for {name} ({spec.value_type.value}): {accepted}",
    )


@pytest.mark.parametrize(
    ("source", "position", "message"),
    [
        ("name 'x'", 5, "expected an operator after name, got string 'x'"),
        ("name", 4, "expected an operator after name, got the end of the filter"),
        ("name NOT = 'x'", 9, "expected LIKE, ILIKE or IN after NOT"),
        ("name IS 'x'", 8, "expected NULL or NOT NULL after IS"),
        ("name IS NOT 'x'", 12, "expected NULL or NOT NULL after IS"),
        ("name CONTAINS 'x'", 5, "expected an operator after name, got 'CONTAINS'"),
    ],
)
def test_malformed_operators(source: str, position: int, message: str) -> None:
    parse_error(source, position, message, "accepted operators for name (string): =, !=, LIKE")


def test_operator_characters_the_lexer_rejects() -> None:
    parse_error("name == 'x'", 5, "unknown operator '=='", "use = for equality")
    parse_error("name ! 'x'", 5, "unexpected character '!'", "operators are = != <> < <= > >=")


# -- values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "position", "message", "accepted"),
    [
        ("timestamp_ms > 'abc'", 15, "timestamp_ms takes a number, got string 'abc'", "42 or 1.5"),
        ("execution_time_ms IN (1, '2')", 25, "takes a number, got string '2'", "42 or 1.5"),
        ("name = 5", 7, "name takes a string, got number 5", "quote it: name = '5'"),
        ("tags.env IN ('a', 2)", 18, "tags.env takes a string, got number 2", "'2'"),
        ("span.type = 1", 12, "span.type takes a string", "quote it"),
        ("status = 'DONE'", 9, "invalid value 'DONE' for status",
         "accepted values for status: 'OK', 'ERROR', 'IN_PROGRESS'"),
        ("status IN ('OK', 1)", 17, "invalid value 1 for status", "'IN_PROGRESS'"),
        ("span.status = 'IN_PROGRESS'", 14, "invalid value 'IN_PROGRESS' for span.status",
         "accepted values for span.status: 'UNSET', 'OK', 'ERROR'"),
        ("span.attributes.k > 'a'", 20, "> on span.attributes.k takes a number, got string 'a'",
         "with strings by = != LIKE ILIKE"),
        ("span.attributes.k LIKE 5", 23, "LIKE takes a string pattern, got number 5", "% matches"),
        ("text ILIKE 5", 11, "ILIKE takes a string pattern", "_ one character"),
        ("name LIKE 'abc\\'", 14, "LIKE pattern ends with the escape character \\",
         "write \\\\ for a literal backslash"),
        ("name = NULL", 7, "NULL is not a value", "IS NULL or IS NOT NULL"),
        ("name = foo", 7, "expected a value after =, got 'foo'", "quote it: 'foo'"),
        ("name =", 6, "expected a value after =, got the end of the filter", "quoted strings"),
        ("name = 'abc", 7, "unterminated string", "write a ' inside as ''"),
        ('name = "abc', 7, "unterminated string", 'write a " inside as ""'),
        ("timestamp_ms = 1.", 15, "invalid number '1.'", "42, -7 or 3.25"),
        ("timestamp_ms = 1e5", 15, "invalid number '1e5'", "42, -7 or 3.25"),
        ("timestamp_ms = 1.2.3", 15, "invalid number '1.2.3'", "quote strings"),
        ("timestamp_ms = 5abc", 15, "invalid number '5abc'", "quote strings"),
        ("timestamp_ms = 9223372036854775808", 15, "integer out of range", "64 bits"),
        ("timestamp_ms = -9223372036854775809", 15, "integer out of range", "64 bits"),
        ("timestamp_ms = " + "9" * 5000, 15, "integer out of range", "64 bits"),
        ("timestamp_ms = " + "9" * 400 + ".5", 15, "number out of range", "finite"),
        ("timestamp_ms = - 5", 15, "unexpected character '-'", "operators are"),
    ],
)  # fmt: skip
def test_bad_values_say_what_is_accepted(
    source: str, position: int, message: str, accepted: str
) -> None:
    parse_error(source, position, message, accepted)


@pytest.mark.parametrize(
    ("source", "position", "message"),
    [
        ("name IN 'a'", 8, "IN takes a list in parentheses, got string 'a'"),
        ("name NOT IN ()", 13, "empty NOT IN list"),
        ("name IN ('a' 'b')", 13, "expected ',' or ')' in the IN list, got string 'b'"),
        ("name IN ('a',)", 13, "expected a value after IN, got ')'"),
        ("name IN ('a'", 12, "expected ',' or ')' in the IN list, got the end of the filter"),
    ],
)
def test_malformed_lists(source: str, position: int, message: str) -> None:
    parse_error(source, position, message)


# -- structure --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "position", "message", "accepted"),
    [
        ("name = 'x' name = 'y'", 11, "expected AND, OR or the end of the filter, got 'name'",
         "combine comparisons with AND, OR, NOT"),
        ("name = 'x')", 10, "unmatched ')'", "every ')' closes an earlier '('"),
        ("(name = 'x'", 11, "expected ')' to close the '(' at position 0, got the end",
         "combine comparisons"),
        ("(name = 'x' name = 'y')", 12, "expected ')' to close the '(' at position 0", "AND"),
        ("()", 1, "expected a field, NOT or '(', got ')'", ALL_FIELDS),
        ("AND name = 'x'", 0, "expected a field, NOT or '(', got keyword AND", ALL_FIELDS),
        ("name = 'x' AND", 14, "expected a field, NOT or '(', got the end of the filter",
         ALL_FIELDS),
        ("name = 'x' OR OR name = 'y'", 14, "got keyword OR", ALL_FIELDS),
        ("NOT", 3, "expected a field, NOT or '('", ALL_FIELDS),
        ("'x' = name", 0, "expected a field, NOT or '(', got string 'x'", ALL_FIELDS),
        ("5 = timestamp_ms", 0, "got number 5", ALL_FIELDS),
        ("name = 'x' && status = 'OK'", 11, "unexpected character '&'", "combined with AND"),
        ("name = 'x'; DROP TABLE traces", 10, "unexpected character ';'", "operators are"),
    ],
)  # fmt: skip
def test_structural_errors(source: str, position: int, message: str, accepted: str) -> None:
    parse_error(source, position, message, accepted)


def test_caret_points_into_the_right_line_of_a_multi_line_filter() -> None:
    error = parse_error("name = 'x'\n  AND foo = 1", 17, "unknown field 'foo'")
    lines = str(error).splitlines()
    index = lines.index("    AND foo = 1")
    assert lines[index + 1] == " " * 8 + "^"


def test_long_filters_show_a_window_around_the_error() -> None:
    source = "name = 'x' AND " * 20 + "bogus = 1" + " AND name = 'y'" * 20
    position = source.index("bogus")
    error = parse_error(source, position, "unknown field 'bogus'")
    lines = str(error).splitlines()
    snippet = next(line for line in lines if line.startswith("  ..."))
    caret = lines[lines.index(snippet) + 1]
    assert snippet.startswith("  ...") and snippet.endswith("...")
    assert len(snippet) < 140
    assert snippet[caret.index("^") :].startswith("bogus")


def test_non_string_filters_are_rejected() -> None:
    parse_error(42, None, "expected a string, got int")
    parse_error(b"name = 'x'", None, "expected a string, got bytes")


# -- limits -----------------------------------------------------------------------------------


def test_length_limit() -> None:
    longest = "name = '" + "x" * (MAX_FILTER_LENGTH - 9) + "'"
    assert len(longest) == MAX_FILTER_LENGTH
    assert parse_filter(longest) is not None
    parse_error(longest + " ", MAX_FILTER_LENGTH, "filter is longer than 10000 characters")
    parse_error(" " * (MAX_FILTER_LENGTH + 1), MAX_FILTER_LENGTH, "longer than 10000")


def test_nesting_limit_for_parentheses_and_not() -> None:
    leaf = "name = 'x'"
    assert MAX_DEPTH == 50
    assert parse_filter("(" * MAX_DEPTH + leaf + ")" * MAX_DEPTH) == parse_filter(leaf)
    parse_error("(" * (MAX_DEPTH + 1) + leaf + ")" * (MAX_DEPTH + 1), MAX_DEPTH, "nested too deep")
    assert parse_filter("NOT " * MAX_DEPTH + leaf) is not None
    parse_error("NOT " * (MAX_DEPTH + 1) + leaf, 4 * MAX_DEPTH, "at most 50 levels")
    half = MAX_DEPTH // 2
    mixed = "NOT (" * half + leaf + ")" * half
    assert parse_filter(mixed) is not None
    parse_error("NOT (" * half + "NOT " + leaf + ")" * half, 5 * half, "nested too deeply")


def test_comparison_limit() -> None:
    assert MAX_COMPARISONS == 200
    chain = " OR ".join(["name = 'x'"] * MAX_COMPARISONS)
    expr = parse_filter(chain)
    assert expr is not None and len(expr.operands) == MAX_COMPARISONS  # type: ignore[union-attr]
    one_more = chain + " OR tags.k = 'v'"
    error = parse_error(one_more, len(chain) + 4, "more than 200 comparisons")
    assert "IN list" in str(error)
    # An IN list is one comparison, however long.
    values = ", ".join(f"'{i}'" for i in range(1000))
    assert parse_filter(f"name IN ({values})") is not None


def test_huge_inputs_fail_cleanly_without_recursion_errors() -> None:
    with pytest.raises(InvalidFilterError, match="nested too deeply"):
        parse_filter("(" * 4000 + "name = 'x'" + ")" * 4000)
    with pytest.raises(InvalidFilterError, match="nested too deeply"):
        parse_filter("NOT " * 2400)
    with pytest.raises(InvalidFilterError, match="nested too deeply"):
        parse_filter("(" * 9999)
    with pytest.raises(InvalidFilterError, match="more than 200 comparisons"):
        parse_filter(" OR ".join(["name = 'x'"] * 700))


def test_errors_name_the_field_as_written_canonically() -> None:
    parse_error("TAGS.`my key` > 'a'", 14, "operator > is not accepted for tags.`my key`")
    assert lookup_field("TAGS.x") == Field.tag("x")


@pytest.mark.parametrize(
    ("source", "position", "message"),
    [
        # Dotless i upper-cases to "I" and Kelvin sign lower-cases to "k": only ASCII folds.
        ("name \u0131n ('a')", 5, "got '\u0131n'"),
        ("\u212aey = 'OK'", 0, "unknown field '\u212aey'"),
        ("name = 'a' \ud800 status = 'OK'", 11, "unexpected character '\\ud800'"),
        ("name\x00 = 'a'", 0, "unknown field 'name\\x00'"),
        ("name = 'a'\u2028OR status = 'x'", 23, "invalid value 'x' for status"),
    ],
)
def test_odd_characters(source: str, position: int, message: str) -> None:
    parse_error(source, position, message)
