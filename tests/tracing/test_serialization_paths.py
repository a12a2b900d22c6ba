"""`dumps` has a fast path (orjson itself) and a general one for the values orjson refuses
(integers past 64 bits, lone surrogates, cycles, keys it cannot name). A value's stored JSON
must not depend on which path wrote it: a part orjson refuses elsewhere in the same value
must not change how the rest is written."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import math
import uuid
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from spanscope.entities.serialization import dumps, loads

REFUSED = 2**70  # orjson refuses it, so a list holding it takes the general path
REFUSED_JSON = f'"{REFUSED}"'


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@dataclasses.dataclass
class Point:
    x: int
    label: str


class Opaque:
    def __repr__(self) -> str:
        return "<Opaque>"


keys = st.one_of(
    st.text(max_size=8),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),  # what orjson writes as numbers
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
plain = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(keys, inner, max_size=4),
        st.tuples(inner, inner),
    ),
    max_leaves=20,
)
objects = st.one_of(
    st.sampled_from([Color.RED, Level.HIGH, Opaque()]),
    st.builds(Point, st.integers(-100, 100), st.text(max_size=5)),
    st.datetimes(),
    st.uuids(),
    st.sets(st.integers(-5, 5), max_size=4),
    st.binary(max_size=8),
)
values = st.recursive(
    st.one_of(scalars, objects),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def key_name(key: Any) -> str:
    try:
        return orjson.dumps({key: None}, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # an integer past 64 bits
        return str(key)


def orjson_names_unique(value: Any) -> bool:
    """False if two keys of a dict get one name in JSON (orjson then writes both, the general
    path one): only the decoded values can then be compared."""
    if isinstance(value, dict):
        names = [key_name(k) for k in value]
        if len(set(names)) != len(names):
            return False
        return all(orjson_names_unique(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(orjson_names_unique(v) for v in value)
    return True


def general_path(value: Any) -> str:
    """`value`'s JSON as the general path writes it, cut out of a list that needs it."""
    text = dumps([value, REFUSED])
    assert text.endswith("," + REFUSED_JSON + "]")
    return text[1 : -len(REFUSED_JSON) - 2]


def same_json(fast: str, general: str, value: Any) -> None:
    assert loads(general) == loads(fast)
    if orjson_names_unique(value):
        assert general == fast


@settings(max_examples=300, deadline=None)
@given(plain)
def test_plain_json_types_are_written_alike_by_both_paths(value: Any) -> None:
    fast = dumps(value)
    try:
        own = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # a key past 64 bits: the general path wrote it all
        pass
    else:
        assert fast == own
    same_json(fast, general_path(value), value)


@settings(max_examples=200, deadline=None)
@given(values)
def test_values_needing_the_hook_are_written_alike_by_both_paths(value: Any) -> None:
    same_json(dumps(value), general_path(value), value)


@given(st.text(max_size=10), st.sampled_from(["\ud800", "\udfff", "\udc80x"]))
def test_lone_surrogates_are_replaced_wherever_they_are(text: str, surrogate: str) -> None:
    broken = text + surrogate
    repaired = broken.replace(surrogate[0], "\ufffd")
    assert dumps({broken: [broken]}) == dumps({repaired: [repaired]})
    assert dumps([broken, REFUSED]) == dumps([repaired, REFUSED])


def test_examples_of_each_kind() -> None:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5)
    ident = uuid.UUID(int=7)
    value = {
        True: None,
        None: 1,
        1.5e-7: 2,
        math.nan: 3,
        2**63: 2**64 - 1,
        "when": when,
        "id": ident,
        "color": Color.RED,
        "level": Level.HIGH,
        "point": Point(1, "a"),
        "tags": {3, 1, 2},
        "raw": b"\xff\x00",
        "opaque": Opaque(),
        "nan": math.nan,
    }
    expected = (
        '{"true":null,"null":1,"1.5e-7":2,"null":3,"9223372036854775808":18446744073709551615,'
        '"when":"2026-01-02T03:04:05","id":"00000000-0000-0000-0000-000000000007",'
        '"color":"red","level":3,"point":{"x":1,"label":"a"},"tags":[1,2,3],'
        '"raw":"base64:/wA=","opaque":"<Opaque>","nan":null}'
    )
    assert dumps(value) == expected
    # The general path: the same, but for the repeated "null" key, written once (the last).
    general = general_path(value)
    assert loads(general) == loads(expected)
    assert (
        dumps(2**64) == '"18446744073709551616"' and dumps(-(2**63) - 1) == '"-9223372036854775809"'
    )
