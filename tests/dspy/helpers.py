"""Programs, tools and tree helpers shared by the DSPy tests."""

from __future__ import annotations

from spanscope.entities.span import Span
from spanscope.entities.trace import Trace
from tests.outline import outline as outline  # the shared helper, re-exported

QUESTION = "What color is the sky?"

PREDICT_TREE = [
    "Predict [CHAIN]",
    "  ChatAdapter.format [PARSER]",
    "  DummyLM [CHAT_MODEL]",
    "  ChatAdapter.parse [PARSER]",
]


def indent(lines: list[str], depth: int = 1) -> list[str]:
    return ["  " * depth + line for line in lines]


def span(trace: Trace, name: str, index: int = 0) -> Span:
    """The `index`-th span (in start order) called `name`."""
    found = sorted((s for s in trace.data.spans if s.name == name), key=lambda s: s.start_time_ns)
    assert len(found) > index, f"no span {name!r} #{index} in {[s.name for s in trace.data.spans]}"
    return found[index]
