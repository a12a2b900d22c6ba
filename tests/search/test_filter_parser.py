"""Parsing valid filters: fields, operators, values, keys, precedence and the canonical printer."""

from __future__ import annotations

import pytest

from spanscope.search import (
    FIELD_NAMES,
    And,
    Comparison,
    Field,
    FieldKind,
    Not,
    Op,
    Or,
    ValueType,
    field_spec,
    parse_filter,
    to_filter_string,
)

NAME = Field.trace("name")
STATUS = Field.trace("status")
TS = Field.trace("timestamp_ms")
MODEL = "gen_ai.request.model"


def cmp(field: Field, op: Op, value: object = None) -> Comparison:
    return Comparison(field, op, value)  # type: ignore[arg-type]


def test_blank_filters_mean_no_filter() -> None:
    assert parse_filter("") is None
    assert parse_filter("   \n\t ") is None
    assert parse_filter(None) is None


def test_field_table_is_what_the_language_documents() -> None:
    assert FIELD_NAMES == (
        "trace_id",
        "name",
        "status",
        "timestamp_ms",
        "execution_time_ms",
        "session_id",
        "user_id",
        "client_request_id",
        "request_preview",
        "response_preview",
        "cost",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "tags.<key>",
        "metadata.<key>",
        "span.name",
        "span.type",
        "span.status",
        "span.cost",
        "span.span_id",
        "span.parent_id",
        "span.start_time_ms",
        "span.duration_ms",
        "span.model",
        "span.attributes.<key>",
        "feedback.<name>",
        "expectation.<name>",
        "text",
    )
    ops = {name: [op.value for op in field_spec(f).ops] for name, f in _sample_fields().items()}
    assert ops["timestamp_ms"] == ["=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN"]
    assert ops["execution_time_ms"] == ops["timestamp_ms"] + ["IS NULL", "IS NOT NULL"]
    string_ops = ["=", "!=", "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE", "IN", "NOT IN"]
    assert ops["trace_id"] == ops["span.name"] == ops["span.type"] == string_ops
    for nullable in ("name", "session_id", "user_id", "client_request_id", "tags.<key>"):
        assert ops[nullable] == [*string_ops, "IS NULL", "IS NOT NULL"]
    assert ops["status"] == ops["span.status"] == ["=", "!=", "IN", "NOT IN"]
    assert ops["span.attributes.<key>"] == [
        "=", "!=", "<", "<=", ">", ">=", "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE",
        "IS NULL", "IS NOT NULL",
    ]  # fmt: skip
    assert ops["text"] == ["LIKE", "ILIKE"]
    assert ops["feedback.<name>"] == ops["expectation.<name>"] == [
        "=", "!=", "<", "<=", ">", ">=", "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE", "IN", "NOT IN",
        "IS NULL", "IS NOT NULL",
    ]  # fmt: skip
    assert field_spec(STATUS).values == ("OK", "ERROR", "IN_PROGRESS")
    assert field_spec(Field.span("status")).values == ("UNSET", "OK", "ERROR")


def _sample_fields() -> dict[str, Field]:
    return {
        name: _field_of(name.replace("<key>", "k").replace("<name>", "k")) for name in FIELD_NAMES
    }


def _field_of(text: str) -> Field:
    from spanscope.search.fields import lookup_field

    field = lookup_field(text)
    assert field is not None
    return field


def _sample_value(field: Field, op: Op) -> str:
    spec = field_spec(field)
    if op in (Op.LIKE, Op.NOT_LIKE, Op.ILIKE, Op.NOT_ILIKE):
        return "'a%'"
    if spec.value_type is ValueType.NUMBER:
        return "5"
    if spec.value_type is ValueType.ENUM:
        return f"'{spec.values[0]}'"
    if spec.value_type in (ValueType.JSON, ValueType.ASSESSMENT) and op in (
        Op.LT,
        Op.LE,
        Op.GT,
        Op.GE,
    ):
        return "5"
    return "'v'"


def _every_field_and_accepted_op() -> list[tuple[str, Op]]:
    pairs: list[tuple[str, Op]] = []
    for name in FIELD_NAMES:
        field = _field_of(name.replace("<key>", "k").replace("<name>", "k"))
        pairs.extend((name, op) for op in field_spec(field).ops)
    return pairs


@pytest.mark.parametrize(("name", "op"), _every_field_and_accepted_op())
def test_every_field_parses_with_every_operator_it_accepts(name: str, op: Op) -> None:
    text = name.replace("<key>", "k").replace("<name>", "k")
    field = _field_of(text)
    if op in (Op.IS_NULL, Op.IS_NOT_NULL):
        source = f"{text} {op.value}"
    elif op in (Op.IN, Op.NOT_IN):
        value = _sample_value(field, Op.EQ)
        source = f"{text} {op.value} ({value}, {value})"
    else:
        source = f"{text} {op.value} {_sample_value(field, op)}"
    expr = parse_filter(source)
    assert isinstance(expr, Comparison)
    assert expr.field == field and expr.op is op
    assert parse_filter(to_filter_string(expr)) == expr
    assert parse_filter(source.lower().replace(text.lower(), text)) == expr  # keywords any case


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("name = 'x'", cmp(NAME, Op.EQ, "x")),
        ("name != 'x'", cmp(NAME, Op.NE, "x")),
        ("name <> 'x'", cmp(NAME, Op.NE, "x")),
        ("name='x'", cmp(NAME, Op.EQ, "x")),
        ('name = "x"', cmp(NAME, Op.EQ, "x")),
        ("timestamp_ms < 5", cmp(TS, Op.LT, 5)),
        ("timestamp_ms<=5", cmp(TS, Op.LE, 5)),
        ("timestamp_ms > -5", cmp(TS, Op.GT, -5)),
        ("timestamp_ms>=-0.25", cmp(TS, Op.GE, -0.25)),
        ("timestamp_ms IN (1, 2.5, -3)", cmp(TS, Op.IN, (1, 2.5, -3))),
        ("timestamp_ms not in (1)", cmp(TS, Op.NOT_IN, (1,))),
        ("name LIKE 'a%'", cmp(NAME, Op.LIKE, "a%")),
        ("name not like 'a%'", cmp(NAME, Op.NOT_LIKE, "a%")),
        ("name ILIKE 'a%'", cmp(NAME, Op.ILIKE, "a%")),
        ("name NOT ILIKE 'a%'", cmp(NAME, Op.NOT_ILIKE, "a%")),
        ("name IS NULL", cmp(NAME, Op.IS_NULL)),
        ("name is not null", cmp(NAME, Op.IS_NOT_NULL)),
        ("status = 'ok'", cmp(STATUS, Op.EQ, "OK")),
        ("status IN ('error', 'In_Progress')", cmp(STATUS, Op.IN, ("ERROR", "IN_PROGRESS"))),
        ("span.status != 'unset'", cmp(Field.span("status"), Op.NE, "UNSET")),
        ("span.type = 'TOOL'", cmp(Field.span("type"), Op.EQ, "TOOL")),
        ("span.name LIKE 'chat%'", cmp(Field.span("name"), Op.LIKE, "chat%")),
        ("text ILIKE '%refund%'", cmp(Field.text(), Op.ILIKE, "%refund%")),
        ("NAME = 'x'", cmp(NAME, Op.EQ, "x")),
        ("Span.Type = 'x'", cmp(Field.span("type"), Op.EQ, "x")),
        ("execution_time_ms IS NULL", cmp(Field.trace("execution_time_ms"), Op.IS_NULL)),
        ("session_id = 's-1'", cmp(Field.trace("session_id"), Op.EQ, "s-1")),
        ("user_id = 'u-7'", cmp(Field.trace("user_id"), Op.EQ, "u-7")),
    ],
)
def test_comparisons(source: str, expected: Comparison) -> None:
    assert parse_filter(source) == expected


@pytest.mark.parametrize(
    ("source", "field"),
    [
        ("tags.env = 'x'", Field.tag("env")),
        ("TAGS.Env = 'x'", Field.tag("Env")),  # the prefix is case-insensitive, the key is not
        ("tags.`my.key` = 'x'", Field.tag("my.key")),
        ("tags.my.key = 'x'", Field.tag("my.key")),
        ("tags.`my key` = 'x'", Field.tag("my key")),
        ("tags.`a``b` = 'x'", Field.tag("a`b")),
        ("tags.`a=b` = 'x'", Field.tag("a=b")),
        ("tags.k-1/x:y = 'x'", Field.tag("k-1/x:y")),
        ("metadata.source = 'x'", Field.metadata("source")),
        ("metadata.`app.source` = 'x'", Field.metadata("app.source")),
        ("span.attributes.gen_ai.request.model = 'x'", Field.span_attribute(MODEL)),
        ("span.attributes.`gen_ai.request.model` = 'x'", Field.span_attribute(MODEL)),
        ("span.attributes.`weird key's` = 'x'", Field.span_attribute("weird key's")),
    ],
)  # fmt: skip
def test_keyed_fields(source: str, field: Field) -> None:
    expr = parse_filter(source)
    assert expr == Comparison(field, Op.EQ, "x")
    assert parse_filter(to_filter_string(expr)) == expr


def test_unquoted_attribute_key_ends_at_an_operator() -> None:
    expr = parse_filter("span.attributes.gen_ai.usage.input_tokens>100")
    assert expr == Comparison(Field.span_attribute("gen_ai.usage.input_tokens"), Op.GT, 100)
    assert parse_filter("(span.attributes.a.b='x')") == Comparison(
        Field.span_attribute("a.b"), Op.EQ, "x"
    )


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("name = ''", ""),
        ("name = 'it''s'", "it's"),
        ('name = "say ""hi"""', 'say "hi"'),
        ('name = "it\'s"', "it's"),
        ("name = 'a\"b'", 'a"b'),
        ("name = 'back\\slash'", "back\\slash"),  # backslash is an ordinary character
        ("name = 'line\nbreak'", "line\nbreak"),
        ("name = 'émoji 🚀 漢字'", "émoji 🚀 漢字"),
        ("name = 'AND OR NOT ( ) = ,'", "AND OR NOT ( ) = ,"),
    ],
)
def test_string_literals(source: str, value: str) -> None:
    assert parse_filter(source) == Comparison(NAME, Op.EQ, value)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("name = 'x'' OR 1=1 --'", "x' OR 1=1 --"),
        ("name = 'x\\'' OR ''1''=''1'", "x\\' OR '1'='1"),
        ("name = '1; DROP TABLE traces; --'", "1; DROP TABLE traces; --"),
        ('name = "x"" OR ""a""=""a"', 'x" OR "a"="a'),
        ("name = '%'' UNION SELECT * FROM spans --'", "%' UNION SELECT * FROM spans --"),
    ],
)
def test_sql_injection_attempts_are_plain_literals(source: str, value: str) -> None:
    expr = parse_filter(source)
    assert expr == Comparison(NAME, Op.EQ, value)
    assert to_filter_string(expr) == "name = " + "'" + value.replace("'", "''") + "'"


def test_injection_in_a_key_is_a_plain_key() -> None:
    expr = parse_filter("tags.`k') OR 1=1; --` = 'v'")
    assert expr == Comparison(Field.tag("k') OR 1=1; --"), Op.EQ, "v")


def test_unterminated_injection_is_rejected() -> None:
    from spanscope.exceptions import InvalidFilterError

    with pytest.raises(InvalidFilterError):
        parse_filter("name = 'x' OR 1=1 --'")


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("timestamp_ms = 0", 0),
        ("timestamp_ms = -0", 0),
        ("timestamp_ms = 1700000000000", 1_700_000_000_000),
        ("timestamp_ms = 9223372036854775807", 2**63 - 1),
        ("timestamp_ms = -9223372036854775808", -(2**63)),
        ("timestamp_ms = 2.5", 2.5),
        ("timestamp_ms = -0.001", -0.001),
        ("timestamp_ms = 007", 7),
    ],
)
def test_number_literals(source: str, value: float) -> None:
    expr = parse_filter(source)
    assert isinstance(expr, Comparison)
    assert expr.value == value and type(expr.value) is type(value)


def test_attribute_values_may_be_strings_or_numbers() -> None:
    attr = Field.span_attribute("k")
    assert parse_filter("span.attributes.k = 'v'") == Comparison(attr, Op.EQ, "v")
    assert parse_filter("span.attributes.k = 1.5") == Comparison(attr, Op.EQ, 1.5)
    assert parse_filter("span.attributes.k != 3") == Comparison(attr, Op.NE, 3)
    assert parse_filter("span.attributes.k <= 3") == Comparison(attr, Op.LE, 3)
    assert parse_filter("span.attributes.k ILIKE 'x%'") == Comparison(attr, Op.ILIKE, "x%")
    assert parse_filter("span.attributes.k IS NOT NULL") == Comparison(attr, Op.IS_NOT_NULL)


A = Comparison(NAME, Op.EQ, "a")
B = Comparison(NAME, Op.EQ, "b")
C = Comparison(NAME, Op.EQ, "c")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("name = 'a' AND name = 'b'", And((A, B))),
        ("name = 'a' and name = 'b' AND name = 'c'", And((A, B, C))),
        ("name = 'a' OR name = 'b' AND name = 'c'", Or((A, And((B, C))))),
        ("name = 'a' AND name = 'b' OR name = 'c'", Or((And((A, B)), C))),
        ("(name = 'a' OR name = 'b') AND name = 'c'", And((Or((A, B)), C))),
        ("name = 'a' AND (name = 'b' AND name = 'c')", And((A, And((B, C))))),
        ("NOT name = 'a'", Not(A)),
        ("not not name = 'a'", Not(Not(A))),
        ("NOT name = 'a' AND name = 'b'", And((Not(A), B))),
        ("NOT (name = 'a' OR name = 'b')", Not(Or((A, B)))),
        ("((name = 'a'))", A),
        ("name='a'OR(name='b')", Or((A, B))),
    ],
)
def test_precedence_and_grouping(source: str, expected: object) -> None:
    assert parse_filter(source) == expected
    assert parse_filter(to_filter_string(expected)) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ("name='a'", "name = 'a'"),
        ("status in ('ok','error')", "status IN ('OK', 'ERROR')"),
        ("name <> \"it's\"", "name != 'it''s'"),
        ("(name = 'a' or name = 'b') and not name is null",
         "(name = 'a' OR name = 'b') AND NOT name IS NULL"),
        ("tags.`a b` = 'x'", "tags.`a b` = 'x'"),
        ("tags.`a.b` = 'x'", "tags.a.b = 'x'"),
        ("span.attributes.x > 1.50", "span.attributes.x > 1.5"),
        ("not (not name = 'a')", "NOT NOT name = 'a'"),
        ("name = 'a' or (name = 'b' or name = 'c')", "name = 'a' OR (name = 'b' OR name = 'c')"),
    ],
)  # fmt: skip
def test_canonical_printer(source: str, canonical: str) -> None:
    expr = parse_filter(source)
    assert expr is not None
    assert to_filter_string(expr) == canonical


def test_printer_never_writes_exponents() -> None:
    for value in (1e-7, 1e22, -2.5e-300, 123456789.125):
        expr = Comparison(TS, Op.EQ, value)
        text = to_filter_string(expr)
        assert "e" not in text.split("=")[1]
        assert parse_filter(text) == expr


def test_ast_nodes_are_frozen_and_hashable() -> None:
    expr = parse_filter("name = 'a' AND timestamp_ms IN (1, 2)")
    assert hash(expr) == hash(parse_filter("name = 'a' AND timestamp_ms IN (1, 2)"))
    with pytest.raises(AttributeError):
        A.op = Op.NE  # type: ignore[misc]
    with pytest.raises(ValueError, match="two operands"):
        And((A,))
    assert Field.text().kind is FieldKind.TEXT
