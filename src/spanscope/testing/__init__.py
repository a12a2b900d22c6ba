"""Test helpers for applications traced with spanscope (and for spanscope's own suite).

The pytest plugin adds a `spanscope_traces` fixture yielding a TraceCapture.
"""

from spanscope.testing.capture import TraceCapture, capture_traces
from spanscope.testing.strict import strict_mode
from spanscope.testing.tree import span_tree

__all__ = ["TraceCapture", "capture_traces", "span_tree", "strict_mode"]
