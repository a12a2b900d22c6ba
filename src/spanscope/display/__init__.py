"""Traces in notebooks: inline display, and the switch for showing a cell's traces."""

from spanscope.display.html import render_trace_html
from spanscope.display.notebook import (
    disable_notebook_display,
    display_traces,
    enable_notebook_display,
    register_in_jupyter,
)
from spanscope.display.render import reachable_server, render_traces, trace_mimebundle

__all__ = [
    "disable_notebook_display",
    "display_traces",
    "enable_notebook_display",
    "reachable_server",
    "register_in_jupyter",
    "render_trace_html",
    "render_traces",
    "trace_mimebundle",
]
