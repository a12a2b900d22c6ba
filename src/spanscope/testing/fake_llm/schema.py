"""Deterministic example values for a JSON schema (tool arguments, structured output)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["example_for_schema"]

# Recursive schemas (a tree of nodes) would recurse forever; past this depth we stop.
_MAX_DEPTH = 6

_STRING_FORMATS = {
    "date-time": "2026-01-01T00:00:00Z",
    "date": "2026-01-01",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def example_for_schema(schema: Mapping[str, Any]) -> Any:
    """A value valid for `schema`: the first enum/const, every property, one array item, ...

    Handles `$ref` into `$defs` / `definitions`, `anyOf` / `oneOf` / `allOf`, nullable types
    and numeric minimums, which covers the schemas pydantic and the SDKs generate.
    """
    defs: dict[str, Any] = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    return _example(schema, defs, 0)


def _example(schema: Mapping[str, Any], defs: Mapping[str, Any], depth: int) -> Any:
    if "$ref" in schema:
        target = defs.get(str(schema["$ref"]).rsplit("/", 1)[-1])
        if not isinstance(target, Mapping) or depth >= _MAX_DEPTH:
            return None
        return _example(target, defs, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key, []) if isinstance(o, Mapping)]
        non_null = [o for o in options if o.get("type") != "null"]
        if non_null:
            return _example(non_null[0], defs, depth)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    return _example_of_type(str(kind), schema, defs, depth)


def _example_of_type(
    kind: str, schema: Mapping[str, Any], defs: Mapping[str, Any], depth: int
) -> Any:
    if kind == "object":
        if depth >= _MAX_DEPTH:
            return {}
        properties = schema.get("properties") or {}
        return {name: _example(sub, defs, depth + 1) for name, sub in properties.items()}
    if kind == "array":
        items = schema.get("items")
        if depth >= _MAX_DEPTH or not isinstance(items, Mapping):
            return []
        count = max(1, int(schema.get("minItems", 1)))
        return [_example(items, defs, depth + 1) for _ in range(count)]
    if kind == "string":
        text = _STRING_FORMATS.get(str(schema.get("format")), "example")
        text = text.ljust(int(schema.get("minLength", 0)), "x")
        return text[: int(schema.get("maxLength", len(text)))]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    return None
