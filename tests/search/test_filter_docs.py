"""docs/search.md stays true: every ```filter example parses, every field is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spanscope.exceptions import InvalidFilterError
from spanscope.search import (
    FIELD_NAMES,
    ORDER_BY_FIELDS,
    SPAN_FIELD_NAMES,
    SPAN_ORDER_BY_FIELDS,
    parse_filter,
    to_filter_string,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "search.md"
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks(tag: str) -> list[str]:
    return [body for kind, body in _BLOCK.findall(DOC.read_text(encoding="utf-8")) if kind == tag]


def _examples() -> list[str]:
    """One filter per non-blank line of every ```filter block."""
    return [line for body in _blocks("filter") for line in body.splitlines() if line.strip()]


def test_the_doc_has_examples() -> None:
    assert len(_examples()) >= 30


@pytest.mark.parametrize("example", _examples())
def test_every_documented_example_parses(example: str) -> None:
    expr = parse_filter(example)
    assert expr is not None
    assert parse_filter(to_filter_string(expr)) == expr


def test_every_field_and_sort_key_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in (*FIELD_NAMES, *ORDER_BY_FIELDS):
        assert f"`{name}`" in text or f"`{name.split('.<')[0]}." in text, name


def test_the_documented_error_message_is_the_real_one() -> None:
    (shown,) = _blocks("text")
    with pytest.raises(InvalidFilterError) as info:
        parse_filter("stauts = 'OK'")
    actual = str(info.value).splitlines()
    expected = shown.splitlines()
    assert actual[:3] == expected[:3]
    assert actual[3].startswith(expected[3].removesuffix("..."))


def test_span_search_fields_and_sort_keys_are_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in (*SPAN_FIELD_NAMES, *SPAN_ORDER_BY_FIELDS):
        assert f"`{name}`" in text or f"`{name.split('.<')[0]}." in text, name
