"""OpenAI Agents SDK tracing: `spanscope.openai_agents.autolog()`.

Importing this module does not import the SDK; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="openai_agents",
    library="agents",
    distribution="openai-agents",
    min_version="0.20",
    kind="native",
    records="agent runs, agents, model calls, tools, handoffs and guardrails",
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace OpenAI Agents SDK runs (`Runner.run`, `run_sync`, `run_streamed`): the workflow,
    each agent, its model calls with the chat and token usage, function tools, handoffs,
    guardrails and custom spans.

    A tracing processor is added to the SDK's own tracing, beside the application's (the
    SDK's exporter to the OpenAI platform is left as it is). Calling it again never doubles
    it; `disable=True` removes it; `silent=True` mutes spanscope's warnings about its own
    errors; `log_traces=False` turns tracing of this library off.
    """

    def patch() -> None:
        from spanscope.openai_agents._processor import install

        install()

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
