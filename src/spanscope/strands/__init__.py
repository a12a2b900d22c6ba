"""Strands Agents tracing: `spanscope.strands.autolog()`.

Importing this module does not import Strands; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="strands",
    library="strands",
    distribution="strands-agents",
    min_version="1.62",
    kind="callback",
    records="agent invocations, model calls with their chat and usage, tool calls",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace Strands agents: each invocation (`agent(...)`, `invoke_async`, `stream_async`),
    the model calls in it with their messages, tool calls and token usage, and its tool calls.

    Every `Agent` made afterwards gets spanscope's hook provider in its own hook registry,
    beside the application's hooks, so nothing is passed per agent. Calling it again never
    doubles it; `disable=True` turns the hooks off (agents made meanwhile keep an idle hook);
    `silent=True` mutes spanscope's warnings about its own errors; `log_traces=False` turns
    tracing of this library off.
    """

    def patch() -> None:
        from spanscope.strands._hooks import install

        install()

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
