"""Tracing AutoGen AgentChat: `spanscope.autogen.autolog()`.

Importing this module does not import AutoGen; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="autogen",
    library="autogen_agentchat",
    distribution="autogen-agentchat",
    min_version="0.7",
    kind="patch",
    records="agent runs, team runs with each agent's turn, model client calls, tool executions",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace AutoGen AgentChat agents and teams, their model clients and tools.

    Each agent run (`run`, `run_stream`, `on_messages`, `on_messages_stream`) becomes an AGENT
    span named after the agent; a team run (`RoundRobinGroupChat`, `SelectorGroupChat`, ...) a
    CHAIN span with each agent's turn as an AGENT span inside; each model client call
    (`create`, `create_stream` of the OpenAI and Azure OpenAI clients, and of the Anthropic
    and Ollama ones when imported before `autolog()`) a CHAT_MODEL span with the
    conversation, tools, model and token usage; each tool execution (`BaseTool.run_json`) a
    TOOL span. Calling it again re-applies the patches (never doubles them); `disable=True`
    restores AutoGen's own methods; `silent=True` mutes spanscope's warnings about its own
    errors; `log_traces=False` records nothing.
    """
    import autogen_agentchat  # noqa: F401  (fails early and clearly when AutoGen is not installed)

    from spanscope.autogen._patch import patch

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
