"""A trace as indented `name [TYPE]` lines: compact whole-tree assertions for framework tests."""

from __future__ import annotations

from typing import Any

from spanscope.entities.trace import Trace
from spanscope.testing import span_tree

__all__ = ["outline"]


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
