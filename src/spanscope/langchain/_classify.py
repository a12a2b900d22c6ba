"""What a LangChain run is: its span name, its LangGraph role, the attributes worth keeping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "GRAPH_STEP",
    "HIDDEN_TAG",
    "INVOCATION_PARAMS",
    "METADATA",
    "TAGS",
    "context_attributes",
    "graph_role",
    "is_control_flow",
    "run_name",
]

TAGS = "langchain.tags"
METADATA = "langchain.metadata"
INVOCATION_PARAMS = "langchain.invocation_params"
GRAPH_STEP = "langgraph.step"

HIDDEN_TAG = "langsmith:hidden"  # LangChain's mark for its own plumbing runs
# LangChain and LangGraph add these to every run; they say nothing the span tree does not.
_INTERNAL_TAGS = ("seq:step:", "graph:step:", "map:key:", "langsmith:")
_INTERNAL_METADATA = ("ls_", "lc_", "langgraph_", "checkpoint_")


def run_name(serialized: Mapping[str, Any] | None, kwargs: Mapping[str, Any], default: str) -> str:
    """The run's name (LangGraph: the node's), else the class LangChain serialised."""
    name = kwargs.get("name")
    if not name and serialized:
        ids = serialized.get("id")
        name = serialized.get("name") or (ids[-1] if isinstance(ids, list) and ids else None)
    return str(name or default)


def graph_role(name: str, metadata: Mapping[str, Any]) -> str:
    """ "graph" for a LangGraph graph, "node" for one of its nodes, else ""."""
    if metadata.get("ls_integration") != "langgraph":
        return ""
    node = metadata.get("langgraph_node")
    if node is None:
        return "graph"
    # Metadata is inherited: runs inside a node carry its name too, but are not the node.
    return "node" if node == name else ""


def context_attributes(tags: list[str] | None, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The user's own tags and metadata of a run, without LangChain's bookkeeping."""
    attributes: dict[str, Any] = {}
    own_tags = [tag for tag in tags or () if not tag.startswith(_INTERNAL_TAGS)]
    if own_tags:
        attributes[TAGS] = own_tags
    own = {k: v for k, v in metadata.items() if not str(k).startswith(_INTERNAL_METADATA)}
    if own:
        attributes[METADATA] = own
    return attributes


def is_control_flow(error: BaseException) -> bool:
    """LangGraph interrupts and parent commands: exceptions that are not failures."""
    # langgraph.errors.GraphBubbleUp, matched by name so langgraph need not be imported.
    return any(cls.__name__ == "GraphBubbleUp" for cls in type(error).__mro__)
