"""Tracing CrewAI: `spanscope.crewai.autolog()`.

Importing this module does not import CrewAI; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="crewai",
    library="crewai",
    distribution="crewai",
    min_version="1.15",
    kind="patch",
    records="crew runs with each task and agent, model calls with their chat and usage, tool "
    "calls, flows and their methods",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace CrewAI crews, tasks, agents, model calls, tools and flows.

    Each crew run (`kickoff`, `kickoff_async`, `akickoff`, streamed or not) becomes a CHAIN
    span named after the crew; each task it runs a TASK span, and the agent's work on it an
    AGENT span named after the agent's role (a standalone `agent.kickoff(...)` too); each model
    call (`call` / `acall` of CrewAI's LLM classes, native providers and LiteLLM alike) a
    CHAT_MODEL span with the conversation, tools, model and token usage; each tool use a TOOL
    span; a flow's run a WORKFLOW span with a CHAIN span per method. Calling it again re-applies
    the patches (never doubles them); `disable=True` restores CrewAI's own methods;
    `silent=True` mutes spanscope's warnings about its own errors; `log_traces=False` records
    nothing.
    """
    import crewai  # noqa: F401  (fails early and clearly when CrewAI is not installed)

    from spanscope.crewai._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
