"""JSON encoding of span inputs, outputs and attributes.

`dumps` never raises and never consumes an iterator: pydantic models, dataclasses, enums,
datetimes, bytes, sets, numpy scalars and arrays, exceptions and objects with `to_dict` /
`model_dump` are encoded as data; anything else becomes its (bounded) repr; cycles are cut.
A value whose encoding exceeds the size cap is replaced by a visible marker.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import decimal
import enum
import pathlib
import re
import sys
import types
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from spanscope.constants import TRUNCATED_MARKER
from spanscope.entities.span_event import exception_message

__all__ = ["DEFAULT_MAX_VALUE_BYTES", "dumps", "loads", "to_jsonable"]

DEFAULT_MAX_VALUE_BYTES = 1_048_576
_PREVIEW_CHARS = 4096
_REPR_CHARS = 1000
_MAX_DEPTH = 64
_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
_OPTIONS_NO_NUMPY = orjson.OPT_NON_STR_KEYS
_CYCLE = "<cycle>"
_TOO_DEEP = "<too deep>"
_JSON_SCALARS = (str, int, float, bool, type(None))
# Lone surrogates (text from a broken decode) cannot be UTF-8: they become U+FFFD.
_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(value: Any, max_bytes: int = DEFAULT_MAX_VALUE_BYTES) -> str:
    """Encode `value` as a JSON string, capped at `max_bytes` (a marker replaces larger ones)."""
    # orjson imports numpy to look for numpy values when asked to encode them: ask only once
    # the program has imported numpy itself (a value cannot be numpy's before that).
    options = _OPTIONS if "numpy" in sys.modules else _OPTIONS_NO_NUMPY
    try:  # the fast path: orjson itself, with a hook for the types it does not know
        raw = orjson.dumps(value, default=_default, option=options)
    except (TypeError, ValueError):  # cycles, >64-bit ints, keys orjson refuses, hook failures
        # The rest is written as orjson writes it (numbers, key names), so a value's JSON does
        # not depend on whether another part of it needed this path.
        raw = orjson.dumps(_sanitize(value, set(), 0, True), option=options)
    if len(raw) > max_bytes:
        return _truncated(raw)
    return raw.decode()


def loads(text: str | bytes) -> Any:
    """Decode a JSON string written by `dumps`."""
    return orjson.loads(text)


def to_jsonable(value: Any) -> Any:
    """Return a structure of plain JSON types equivalent to `value`, cutting cycles."""
    return _sanitize(value, set(), 0, False)


def _truncated(raw: bytes) -> str:
    preview = raw[:_PREVIEW_CHARS].decode(errors="ignore")
    marker = {TRUNCATED_MARKER: True, "size_bytes": len(raw), "preview": preview}
    return orjson.dumps(marker).decode()


def _sanitize(value: Any, seen: set[int], depth: int, like_orjson: bool) -> Any:
    """`like_orjson`: keep the integers orjson writes as numbers (up to 2**64 - 1, not only
    signed 64-bit ones) and name keys as orjson does (`true`, `null`, `1e-7`)."""
    if isinstance(value, _JSON_SCALARS):
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = (-(2**63), 2**64) if like_orjson else (-(2**63) + 1, 2**63)
            if not low <= value < high:
                return str(value)
        if isinstance(value, str):
            return _SURROGATE.sub("\ufffd", value)  # not UTF-8; as the stores keep text
        return value
    if depth > _MAX_DEPTH:
        return _TOO_DEEP
    key = id(value)
    if key in seen:
        return _CYCLE
    seen.add(key)
    try:
        if isinstance(value, Mapping):
            name = _orjson_key if like_orjson else _key
            return {name(k): _sanitize(v, seen, depth + 1, like_orjson) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [_sanitize(v, seen, depth + 1, like_orjson) for v in value]
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
            return _sanitize(fields, seen, depth + 1, like_orjson)
        if like_orjson:  # a value orjson writes by itself (datetime, UUID, enum...) as it does
            with contextlib.suppress(TypeError, ValueError):
                options = _OPTIONS if "numpy" in sys.modules else _OPTIONS_NO_NUMPY
                return orjson.loads(orjson.dumps(value, default=_default, option=options))
        try:
            converted = _default(value)
        except TypeError:
            return _repr(value)
        if converted is value:
            return _repr(value)
        return _sanitize(converted, seen, depth + 1, like_orjson)
    finally:
        seen.discard(key)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _SURROGATE.sub("\ufffd", key)
    if isinstance(key, enum.Enum):
        return str(key.value)
    return str(key)


def _orjson_key(key: Any) -> str:
    """The name orjson gives the key (OPT_NON_STR_KEYS), or `_key`'s if orjson refuses it."""
    if isinstance(key, str):
        return _SURROGATE.sub("\ufffd", key)
    try:
        name: str = next(iter(orjson.loads(orjson.dumps({key: None}, option=_OPTIONS_NO_NUMPY))))
        return name
    except (TypeError, ValueError, StopIteration):
        return _key(key)


def _default(obj: Any) -> Any:
    """orjson's hook for types it does not encode itself; must not consume iterators."""
    try:
        return _convert(obj)
    except Exception:
        return _repr(obj)


def _convert(obj: Any) -> Any:
    if isinstance(obj, (types.GeneratorType, types.AsyncGeneratorType, Iterator)):
        return _repr(obj)
    model_dump = getattr(obj, "model_dump", None)
    if callable(model_dump) and not isinstance(obj, type):
        try:  # pydantic 2: no serializer warnings in the user's program for odd field values
            return model_dump(mode="json", warnings=False)
        except TypeError:
            return model_dump(mode="json")
    if isinstance(obj, (set, frozenset)):
        items = list(obj)
        with contextlib.suppress(TypeError):
            items.sort()
        return items
    if isinstance(obj, (bytes, bytearray, memoryview)):
        data = bytes(obj)
        try:
            return data.decode()
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(data).decode()
    if isinstance(obj, (decimal.Decimal, pathlib.PurePath)):
        return str(obj)
    if isinstance(obj, BaseException):
        return {"type": type(obj).__name__, "message": exception_message(obj)}
    if isinstance(obj, tuple):  # named tuples and other tuple subclasses
        return list(obj)
    if isinstance(obj, Mapping):
        return dict(obj)
    tolist = getattr(obj, "tolist", None)  # numpy arrays and scalars of dtypes orjson skips
    if callable(tolist) and type(obj).__module__.startswith("numpy"):
        return tolist()
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict) and not isinstance(obj, type):
        return to_dict()
    if isinstance(obj, (int, float)):  # Decimal-free numeric subclasses orjson rejects
        return float(obj) if isinstance(obj, float) else int(obj)
    return _repr(obj)


def _repr(obj: Any) -> str:
    try:
        text = repr(obj)
    except Exception:
        text = f"<{type(obj).__name__} object>"
    if len(text) > _REPR_CHARS:
        text = text[:_REPR_CHARS] + "...>"
    return text
