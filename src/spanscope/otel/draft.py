"""The mutable span the convention translators work on, and helpers for flattened keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spanscope.entities.chat import parse_json
from spanscope.entities.span_event import SpanEvent

__all__ = ["SpanDraft", "move", "parse_json", "pop_indexed", "put_back"]


@dataclass
class SpanDraft:
    """A span being mapped: attributes as JSON values; None inputs / outputs mean not found yet."""

    attributes: dict[str, Any]
    events: list[SpanEvent] = field(default_factory=list)
    span_type: str | None = None
    inputs: Any = None
    outputs: Any = None
    # Trace-level values found on the span (session, user), keyed by TraceMetadataKey.
    trace_metadata: dict[str, str] = field(default_factory=dict)


def pop_indexed(attributes: dict[str, Any], prefix: str) -> list[tuple[int, dict[str, Any]]]:
    """Remove the keys `<prefix>.<N>.<rest>` and return, by N, the dicts of `rest` -> value.

    `prefix.0.message.role = "user"` becomes `(0, {"message.role": "user"})`. What a caller
    does not use goes back with `put_back`, so nothing is lost.
    """
    head = prefix + "."
    groups: dict[int, dict[str, Any]] = {}
    for key in [k for k in attributes if k.startswith(head)]:
        index, dot, rest = key[len(head) :].partition(".")
        if not dot or not rest or not index.isdigit():
            continue
        groups.setdefault(int(index), {})[rest] = attributes.pop(key)
    return sorted(groups.items())


def put_back(attributes: dict[str, Any], prefix: str, index: int, rest: dict[str, Any]) -> None:
    """Return the unused keys of one `pop_indexed` group to `attributes`."""
    for key, value in rest.items():
        attributes[f"{prefix}.{index}.{key}"] = value


def move(attributes: dict[str, Any], old: str, new: str) -> None:
    """Rename `old` to `new`; when both are set to different values, both stay."""
    if old == new or old not in attributes:
        return
    if new not in attributes:
        attributes[new] = attributes.pop(old)
    elif attributes[new] == attributes[old]:
        del attributes[old]
