"""Google Agent Development Kit (ADK) tracing: `spanscope.google_adk.autolog()`.

Importing this module does not import ADK; `autolog()` does.
"""

from __future__ import annotations

from spanscope.patching.integration import Integration, configure_autolog

__all__ = ["INTEGRATION", "autolog"]

INTEGRATION = Integration(
    name="google_adk",
    library="google.adk",
    distribution="google-adk",
    min_version="2.12",
    kind="callback",
    records=(
        "runs and agent invocations nested by agent hierarchy, model calls with their chat and"
        " usage, tool calls"
    ),
)


def autolog(disable: bool = False, silent: bool = False, log_traces: bool = True) -> None:
    """Trace Google ADK runners: each run (`Runner.run_async`, `Runner.run`), the agent
    invocations in it (sub-agents, transfers and agents used as tools nested by hierarchy), the
    model calls with their messages, function calls and results, tool definitions and token
    usage, and the tool calls with their arguments and results.

    Every runner gets spanscope's plugin (ADK's own plugin system) first in its plugin list
    before it runs, beside the application's plugins, so nothing is passed per runner. Calling
    it again never doubles it; `disable=True` turns the plugin off (runners that ran meanwhile
    keep an idle plugin); `silent=True` mutes spanscope's warnings about its own errors;
    `log_traces=False` turns tracing of this library off.
    """

    def patch() -> None:
        from spanscope.google_adk._plugin import install

        install()

    configure_autolog(INTEGRATION, patch, disable, silent, log_traces)
