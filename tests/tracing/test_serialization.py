"""The JSON encoder of span values."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import pathlib
import uuid
from collections import namedtuple
from typing import Any

import numpy as np
import orjson
import pydantic
import pytest

import spanscope
from spanscope.entities.serialization import dumps, loads
from spanscope.testing import TraceCapture


class Color(enum.Enum):
    RED = "red"


class Address(pydantic.BaseModel):
    city: str


class User(pydantic.BaseModel):
    name: str
    address: Address
    tags: set[str] = set()


@dataclasses.dataclass
class Doc:
    text: str
    score: float
    when: datetime.datetime


Point = namedtuple("Point", "x y")


def roundtrip(value: Any) -> Any:
    return loads(dumps(value))


def test_structured_types() -> None:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    assert roundtrip(User(name="a", address=Address(city="b"))) == {
        "name": "a",
        "address": {"city": "b"},
        "tags": [],
    }
    assert roundtrip(Doc("t", 0.5, when)) == {
        "text": "t",
        "score": 0.5,
        "when": "2026-01-02T03:04:05+00:00",
    }
    assert roundtrip(Color.RED) == "red"
    assert roundtrip({1: "int key", Color.RED: "enum key"}) == {"1": "int key", "red": "enum key"}
    assert roundtrip({"b", "a"}) == ["a", "b"]
    assert roundtrip(frozenset({3, 1})) == [1, 3]
    assert roundtrip(b"bytes") == "bytes"
    assert roundtrip(b"\xff\x00") == "base64:/wA="
    assert roundtrip(Point(1, 2)) == [1, 2]
    assert roundtrip(decimal.Decimal("1.10")) == "1.10"
    assert roundtrip(pathlib.Path("/tmp/x")) == "/tmp/x"
    u = uuid.UUID(int=1)
    assert roundtrip(u) == str(u)
    assert roundtrip(ValueError("nope")) == {"type": "ValueError", "message": "nope"}
    assert roundtrip(2**70) == str(2**70)


def test_numpy_scalars_and_arrays() -> None:
    assert roundtrip(np.float64(1.5)) == 1.5
    assert roundtrip(np.int64(7)) == 7
    assert roundtrip(np.arange(4).reshape(2, 2)) == [[0, 1], [2, 3]]
    assert roundtrip(np.array([1.5], dtype=np.float16)) == [1.5]
    assert roundtrip({"embedding": np.ones(3, dtype=np.float32)}) == {"embedding": [1.0, 1.0, 1.0]}


def test_cycles_are_cut() -> None:
    a: dict[str, Any] = {"name": "a"}
    a["self"] = a
    items: list[Any] = [1]
    items.append(items)
    assert roundtrip(a) == {"name": "a", "self": "<cycle>"}
    assert roundtrip(items) == [1, "<cycle>"]


def test_iterators_are_never_consumed() -> None:
    def gen() -> Any:
        yield 1
        yield 2

    g = gen()
    it = iter([1, 2, 3])
    encoded = roundtrip({"g": g, "it": it})
    assert encoded["g"].startswith("<generator object")
    assert "list_iterator" in encoded["it"]
    assert list(g) == [1, 2]
    assert list(it) == [1, 2, 3]


def test_unknown_objects_become_readable_text() -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "Opaque(id=7)"

    class BadRepr:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    class Failing(pydantic.BaseModel):
        x: int

        def model_dump(self, **kwargs: Any) -> dict[str, Any]:
            raise RuntimeError("broken dump")

    assert roundtrip(Opaque()) == "Opaque(id=7)"
    assert roundtrip(BadRepr()) == "<BadRepr object>"
    assert roundtrip(Failing(x=1)).startswith("Failing(")
    assert roundtrip("x" * 5000) == "x" * 5000


def test_values_over_the_size_cap_leave_a_visible_marker() -> None:
    big = {"text": "y" * 10_000}
    marker = loads(dumps(big, max_bytes=1000))
    assert marker["spanscope.truncated"] is True
    assert marker["size_bytes"] == len(orjson.dumps(big))
    assert marker["preview"].startswith('{"text":"yyy')


def test_size_cap_applies_to_span_values(spanscope_traces: TraceCapture) -> None:
    spanscope.tracing.configure(max_value_bytes=100)
    with spanscope.start_span("big") as span:
        span.set_inputs("z" * 500)
        span.set_outputs("small")
    root = spanscope_traces.single().data.spans[0]
    assert root.inputs["spanscope.truncated"] is True
    assert root.inputs["size_bytes"] == 502
    assert root.outputs == "small"


def test_bad_configuration_is_a_clear_error() -> None:
    with pytest.raises(spanscope.InvalidArgumentError, match="max_value_bytes must be a positive"):
        spanscope.tracing.configure(max_value_bytes=0)
    with pytest.raises(spanscope.InvalidArgumentError, match="sampling_ratio must be between"):
        spanscope.tracing.configure(sampling_ratio=1.5)


def test_lone_surrogates_become_the_replacement_character() -> None:
    broken = b"caf\xe9".decode("utf-8", "surrogateescape")  # text from a broken decode
    assert loads(dumps({broken: [broken, {"k": broken}]})) == {
        "caf\ufffd": ["caf\ufffd", {"k": "caf\ufffd"}]
    }
