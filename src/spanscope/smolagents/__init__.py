"""Tracing smolagents: `spanscope.smolagents.autolog()`.

Importing this module does not import smolagents; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="smolagents",
    library="smolagents",
    distribution="smolagents",
    min_version="1.26",
    kind="patch",
    records="agent runs with each step and plan, model calls with their chat and usage, tool "
    "calls and code executions",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace smolagents agents, their steps, model calls and tools.

    Each agent run (`agent.run(task)`, `agent.run(task, stream=True)`, for `ToolCallingAgent`,
    `CodeAgent` and a managed agent called by another) becomes an AGENT span named after the
    agent; each action step a CHAIN span `step N` and each planning step a CHAIN span
    `planning` inside it; each model call (`generate`, `generate_stream` of smolagents' model
    classes, and of the model class of any agent that runs) a CHAT_MODEL span with the
    conversation, tools, model and token usage; each tool call (`Tool.__call__`) and each
    execution of a CodeAgent's code a TOOL span. Calling it again re-applies the patches (never
    doubles them); `disable=True` restores smolagents' own methods; `silent=True` mutes
    spanscope's warnings about its own errors; `log_traces=False` records nothing.
    """
    import smolagents  # noqa: F401  (fails early and clearly when smolagents is not installed)

    from spanscope.smolagents._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
