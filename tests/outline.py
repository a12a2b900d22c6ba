"""A trace as indented `name [TYPE]` lines, or as a tree with the attributes asked for: compact
whole-tree assertions for framework tests."""

from __future__ import annotations

from typing import Any

from spanscope.entities.trace import Trace
from spanscope.testing import span_tree

__all__ = ["outline", "tree"]


def outline(trace: Trace) -> list[str]:
    """The tree as indented `name [TYPE]` lines (` ERROR: <description>` when failed)."""
    lines: list[str] = []

    def walk(nodes: list[dict[str, Any]], depth: int) -> None:
        for node in nodes:
            error = f" ERROR: {node['error']}" if node["status"] == "ERROR" else ""
            lines.append(f"{'  ' * depth}{node['name']} [{node['span_type']}]{error}")
            walk(node["children"], depth + 1)

    walk(span_tree(trace, values=False, events=False), 0)
    return lines


def tree(trace: Trace, keys: list[str] | None = None) -> list[dict[str, Any]]:
    """The span tree with the attributes of `keys` each span has (all spans are asked)."""

    def prune(node: dict[str, Any]) -> dict[str, Any]:
        if "attributes" in node:
            node["attributes"] = {k: v for k, v in node["attributes"].items() if v is not None}
        node["children"] = [prune(child) for child in node["children"]]
        return node

    return [prune(node) for node in span_tree(trace, attributes=keys or [], events=True)]
